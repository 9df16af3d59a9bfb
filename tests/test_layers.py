"""The house's layers, checked: no import circle, and no import from a lower layer up into a higher one.

`docs/architecture.md` draws the same layers. A module that fits none of them fails here, so a new module
is placed on purpose. Imports are read from the source (type-only ones included: a type is a dependency too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAYERS: list[tuple[str, list[str]]] = [
    (
        "base",
        [
            "bot",
            "bot.clock",
            "bot.tokens",
            "bot.logs",
            "bot.metrics",
            "bot.crypto",
            "bot.work",
            "bot.timewords",
            "bot.slots",
        ],
    ),
    ("data", ["bot.settings", "bot.store", "bot.toggl", "bot.slack", "bot.ticker"]),
    ("values", ["bot.figures", "bot.forecast", "bot.budget", "bot.timer", "bot.identity", "bot.commands"]),
    ("views", ["bot.buttons", "bot.matching", "bot.views"]),
    ("services", ["bot.toggl_reader", "bot.reports_reader", "bot.accounts", "bot.tracking", "bot.service", "bot.rotation"]),
    (
        "features",
        [
            "bot.scheduled",
            "bot.browse",
            "bot.timers",
            "bot.mytime",
            "bot.home",
            "bot.digest",
            "bot.personal",
            "bot.alerts",
            "bot.team",
            "bot.capture",
            "bot.unfurl",
            "bot.workflow",
        ],
    ),
    ("answers", ["bot.answers", "bot.handover"]),
    ("doors", ["handlers", "bot.doors"]),
    ("entry", ["bot.app", "bot.serve", "bot.http_loop", "bot.doctor", "bot.__main__"]),
]
"""Bottom first. A module belongs to the layer of the longest prefix that names it."""


def modules() -> dict[str, Path]:
    found = {}
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The project's modules that `name` imports, at any depth of the file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                target = full if full in known else node.module
                if target in known and target != name:
                    yield target
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in known and alias.name != name)


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    return None if best is None else best[0]


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imports(name, path, known)) for name, path in known.items()}


def test_every_module_has_a_layer() -> None:
    assert [name for name in modules() if layer_of(name) is None] == []


def test_no_import_runs_up_a_layer() -> None:
    upward = [
        f"{module} ({LAYERS[layer_of(module) or 0][0]}) imports {target} ({LAYERS[layer_of(target) or 0][0]})"
        for module, targets in sorted(graph().items())
        for target in sorted(targets)
        if (layer_of(target) or 0) > (layer_of(module) or 0)
    ]
    assert upward == []


def test_no_import_circle() -> None:
    edges = graph()
    circles: list[list[str]] = []
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                circles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module)
    # A package's __init__ that re-exports its own modules is not a circle of meaning; nothing else may be.
    real = [c for c in circles if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert real == []
