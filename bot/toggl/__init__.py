"""Everything that speaks to Toggl Track: the HTTP client, its models and its errors."""

from bot.toggl.client import Listing, TogglClient, TogglClients, copy_only, sparing
from bot.toggl.errors import (
    BadResponse,
    Conflict,
    FeatureUnavailable,
    NotAsked,
    NotFound,
    NoWorkspaceAccess,
    QuotaExceeded,
    RateLimited,
    TogglError,
    TogglUnavailable,
    TokenRejected,
)
from bot.toggl.models import Client, Me, Project, Quota, SummaryReport, Task, TimeEntry, Workspace

__all__ = [
    "BadResponse",
    "Client",
    "Conflict",
    "FeatureUnavailable",
    "Listing",
    "Me",
    "NoWorkspaceAccess",
    "NotAsked",
    "NotFound",
    "Project",
    "Quota",
    "QuotaExceeded",
    "RateLimited",
    "SummaryReport",
    "Task",
    "TimeEntry",
    "TogglClient",
    "TogglClients",
    "TogglError",
    "TogglUnavailable",
    "TokenRejected",
    "Workspace",
    "copy_only",
    "sparing",
]
