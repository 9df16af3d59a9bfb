"""The gallery (`docs/gallery.md`) shows every message and view; CI fails when it is out of date.

Regenerate it with `python -m bench.gallery` and commit the diff: a reviewer then reads every change
to what people see. The same run checks each surface against Block Kit's limits and plain notification text.
"""

from __future__ import annotations

import re

import pytest

from bench.gallery import EXAMPLES, GALLERY, Gallery, examples_json, render
from tests.blockkit import assert_valid_message, assert_valid_view

pytestmark = pytest.mark.xdist_group("gallery")  # one worker renders the module's gallery, not each


@pytest.fixture(scope="module")
def rendered() -> tuple[str, Gallery]:
    """One render for the module: it runs the whole app against the fakes (about a second)."""
    return render()


def test_the_committed_gallery_is_up_to_date(rendered: tuple[str, Gallery]) -> None:
    text, _ = rendered
    committed = GALLERY.read_text(encoding="utf-8") if GALLERY.exists() else ""
    assert committed == text, "docs/gallery.md is out of date: run `python -m bench.gallery` and commit it"


def test_the_landing_pages_examples_are_up_to_date(rendered: tuple[str, Gallery]) -> None:
    _, gallery = rendered
    committed = EXAMPLES.read_text(encoding="utf-8") if EXAMPLES.exists() else ""
    assert committed == examples_json(gallery), "bot/doors/pages/examples.json is out of date: run `python -m bench.gallery`"


def test_every_surface_is_valid_and_its_notification_text_is_plain(rendered: tuple[str, Gallery]) -> None:
    _, gallery = rendered
    assert len(gallery.messages) > 50 and len(gallery.views) >= 5
    for message in gallery.messages:
        assert_valid_message(message)
        text = message["text"]
        assert "*" not in text and "`" not in text, text  # raw mrkdwn in a notification
        assert not re.search(r"<https?://", text), text
        assert not re.search(r"(?<![\w])_[^_\s][^_]*_(?![\w])", text), text
    for view in gallery.views:
        assert_valid_view(view)


def test_names_are_escaped_everywhere(rendered: tuple[str, Gallery]) -> None:
    text, _ = rendered
    assert "Mobile app &lt;beta&gt;" in text and "Mobile app <beta>" not in text
    assert "<#D" not in text  # a DM is never shown as a channel link


def test_one_date_style(rendered: tuple[str, Gallery]) -> None:
    text, _ = rendered
    assert re.findall(r"ended \d{1,2} [A-Z][a-z]{2}(?! \d{4})", text) == []  # never "ended 10 Nov" without the year
    assert "ended 20 Nov 2026" in text and "Tue 24 Nov 2026, 09:00" in text
