"""Finding the project a person meant from what they typed: id, exact name, unique part, then a fuzzy guess."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from bot.commands import is_number
from bot.toggl.models import Project

FUZZY_CUTOFF = 0.75
"""A single name this alike is taken for the one meant."""
CLOSEST_CUTOFF = 0.7
"""Names offered as "did you mean" must be this alike: `websight redezign plan` is 0.74 like `Website redesign`;
`nosuchprojectxyz` is 0.52 like `Healthy project`, and offering that only confuses."""


@dataclass(frozen=True)
class ProjectMatch:
    """Exactly one of: `project` (found), `choices` (several fit), or neither (then `closest` names)."""

    project: Project | None = None
    choices: list[Project] = field(default_factory=list)
    closest: list[str] = field(default_factory=list)


def find_project(query: str, projects: list[Project]) -> ProjectMatch:
    """The project `query` names.

    >>> find_project("web", [Project(id=1, name="Website"), Project(id=2, name="Webshop")]).choices[0].name
    'Website'
    """
    wanted = query.strip().casefold()
    if not wanted:
        return ProjectMatch(closest=[p.name for p in projects[:3]])
    if is_number(wanted):
        by_id = [p for p in projects if p.id == int(wanted)]
        if by_id:
            return ProjectMatch(project=by_id[0])
    exact = [p for p in projects if p.name.casefold() == wanted]
    if len(exact) == 1:
        return ProjectMatch(project=exact[0])
    if exact:
        return ProjectMatch(choices=_ordered(exact))
    partial = [p for p in projects if wanted in p.name.casefold()]
    if len(partial) == 1:
        return ProjectMatch(project=partial[0])
    if partial:
        return ProjectMatch(choices=_ordered(partial))
    names = {p.name.casefold(): p for p in projects}
    fuzzy = difflib.get_close_matches(wanted, list(names), n=10, cutoff=FUZZY_CUTOFF)
    if len(fuzzy) == 1:
        return ProjectMatch(project=names[fuzzy[0]])
    if fuzzy:
        return ProjectMatch(choices=[names[n] for n in fuzzy])
    closest = difflib.get_close_matches(wanted, list(names), n=3, cutoff=CLOSEST_CUTOFF)
    return ProjectMatch(closest=[names[n].name for n in closest])


def _ordered(projects: list[Project]) -> list[Project]:
    """Active projects before archived ones, then by name."""
    return sorted(projects, key=lambda p: (p.is_archived, p.name.casefold(), p.id))
