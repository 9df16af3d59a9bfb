"""Link unfurling (issue 20): a `track.toggl.com` project link posted in a channel shows that project's figure
(tracked against its estimate, the forecast, the client) to everyone there, made with the poster's own token.

What a link may reveal is what the poster's Toggl account sees: the project is looked up in the poster's copy of
their projects (or, past the freshness window, asked with their token, `since`-refreshed). A project the poster
cannot see (another organisation's, a private one, a deleted one) unfurls into nothing, the same as a link that is
not a project. A poster who has not connected gets Slack's own "connect" prompt, never anyone else's data.

Cost: nothing most times (the app's copy of the projects, kept by `projects` and the Home tab); past the freshness
window one `since` request per workspace; a forecast's pace is one Reports request per workspace per hour, shared
with the lists and digests; a recurring project's period figure one Reports request, kept ten minutes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot import toggl
from bot.browse import local_today
from bot.budget import forecasts_for
from bot.identity import Account
from bot.service import Service
from bot.views.unfurl import project_unfurl

log = logging.getLogger(__name__)

PROJECT_LINK = re.compile(r"^https://track\.toggl\.com/(\d{1,16})/projects/(\d{1,16})(?:[/?#].*)?$")
MAX_LINKS = 5
"""Links unfurled from one message: Slack sends at most a few, and each may cost a request."""


@dataclass(frozen=True)
class ProjectLink:
    url: str
    workspace_id: int
    project_id: int


def project_links(urls: list[str]) -> list[ProjectLink]:
    """The project links among `urls`, in order, at most `MAX_LINKS`.

    >>> project_links(["https://track.toggl.com/12/projects/34/team", "https://track.toggl.com/timer"])
    [ProjectLink(url='https://track.toggl.com/12/projects/34/team', workspace_id=12, project_id=34)]
    """
    found = []
    for url in urls:
        match = PROJECT_LINK.match(url or "")
        if match:
            found.append(ProjectLink(url, int(match.group(1)), int(match.group(2))))
    return found[:MAX_LINKS]


def unfurls(links: list[ProjectLink], account: Account, service: Service) -> dict[str, dict[str, object]]:
    """The unfurl of each link whose project the account can see, by URL; the others are left out."""
    found: dict[str, dict[str, object]] = {}
    today = local_today(account, service)
    for link in links:
        try:
            projects = service.reader.projects(account, link.workspace_id).items
        except toggl.TokenRejected:
            raise
        except toggl.TogglError as err:  # a workspace the poster cannot see (403), or Toggl away: no unfurl
            log.info("No unfurl for a project link: %s", type(err).__name__)
            continue
        project = next(
            (p for p in projects if p.id == link.project_id and p.server_deleted_at is None and p.status != "deleted"), None
        )
        if project is None:
            continue
        figures = service.reports.period_figures(account, [project], limit=1) if project.recurring else {}
        judged = bool(project.estimated_seconds or project.recurring)
        pace = service.reports.pace(account, link.workspace_id, today) if judged else {}
        forecast = forecasts_for([project], figures, pace, today).get(project.id)
        found[link.url] = project_unfurl(project, link.workspace_id, figures, forecast)
    return found
