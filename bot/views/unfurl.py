"""A Toggl project link's unfurl: the project's figure (tracked against its estimate, a recurring project's period),
its client, and the forecast, as the project list shows a line, with a footer saying whose data it is."""

from __future__ import annotations

from typing import Any

from bot.forecast import Forecast, in_words
from bot.toggl.models import Project
from bot.views.common import context, section
from bot.views.projects import Figures, progress, status_of, title

CONNECT_PROMPT = "Connect Toggl to show your projects' figures when you post their links: `/toggl connect`."


def project_unfurl(project: Project, workspace_id: int, figures: Figures, forecast: Forecast | None) -> dict[str, Any]:
    """Blocks for `chat.unfurl` (an unfurl is an attachment's blocks: its own limits are a message's)."""
    lines = [f"{title(project, workspace_id)}", progress(project, figures)]
    state = status_of(project)
    if state:
        lines.append(state)
    if forecast is not None:
        lines.append(f"_{in_words(forecast)}_")
    return {"blocks": [section("\n".join(lines)), context("Toggl Track · figures from the poster's own Toggl account")]}


def connect_prompt_blocks() -> list[dict[str, Any]]:
    """What Slack shows the poster alone when they have not connected (`user_auth_blocks`)."""
    return [section(CONNECT_PROMPT)]
