"""Errors the Toggl client raises, one class per thing the rest of the app can act on.

| Toggl answers                                  | we raise             | the person is told                 |
| ---------------------------------------------- | -------------------- | ---------------------------------- |
| 401, or 403 on `/me`                           | `TokenRejected`      | reconnect with a new token         |
| 403 on anything else                           | `NoWorkspaceAccess`  | you cannot see that workspace      |
| 402 (hourly quota; `X-Toggl-Quota-Resets-In`)  | `QuotaExceeded`      | when the quota resets              |
| 402 from Reports without quota headers         | `FeatureUnavailable` | the plan lacks that feature        |
| 404                                            | `NotFound`           | that thing does not exist          |
| 409 (a time entry already stopped)             | `Conflict`           | it was already stopped             |
| 429 after retries                              | `RateLimited`        | try again in a moment              |
| 5xx after retries, timeout, connection error   | `TogglUnavailable`   | Toggl is down, try later           |
| 200 with a body that is not what the spec says | `BadResponse`        | (a kind of `TogglUnavailable`)     |
| 200 with a body over 8 MB or nested past 32    | `AnswerTooLarge`     | too big to read; nothing was kept  |
| any other 4xx                                  | `TogglError`         | generic failure                    |

Everything under `/me` draws on a separate user quota (30 requests an hour on every plan), so a 402
there is `QuotaExceeded` with `bucket == "me"`; elsewhere the bucket is the workspace's ("org").

Messages never contain the API token: the client builds them from the status and path only.
"""

from __future__ import annotations


class TogglError(Exception):
    """Base of every error the Toggl client raises; callers catch these, never `requests`' own."""

    def __init__(self, message: str, *, status: int | None = None, path: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.path = path


class TokenRejected(TogglError):
    """Toggl did not accept the API token (401, or 403 on /me): the person must reconnect."""


class NoWorkspaceAccess(TogglError):
    """The token is fine but may not see this workspace or project (403)."""


class QuotaExceeded(TogglError):
    """The hourly request quota is spent (402); `resets_in` is seconds until it refills, if Toggl said.

    `bucket` says which: "me" (the user quota of everything under `/me`) or "org" (the workspace's).
    """

    def __init__(
        self, message: str, *, resets_in: int | None, status: int | None = 402, path: str = "", bucket: str = "org"
    ) -> None:
        super().__init__(message, status=status, path=path)
        self.resets_in = resets_in
        self.bucket = bucket


class FeatureUnavailable(TogglError):
    """Toggl needs a higher plan for this (a 402 from Reports that carries no quota headers)."""


class NotFound(TogglError):
    """The workspace, project or task does not exist (404)."""


class Conflict(TogglError):
    """Toggl refused a change that no longer applies (409): stopping a time entry that was already stopped."""


class RateLimited(TogglError):
    """Toggl still answered 429 after our retries; `retry_after` is its hint in seconds, if any."""

    def __init__(self, message: str, *, retry_after: int | None, status: int | None = 429, path: str = "") -> None:
        super().__init__(message, status=status, path=path)
        self.retry_after = retry_after


class TogglUnavailable(TogglError):
    """Toggl is down, slow or unreachable (5xx, timeouts, connection errors) after retries."""


class NotAsked(TogglUnavailable):
    """Toggl was not asked: this answer is made from the app's copy alone, while Toggl is slow to answer the
    same question (`bot.toggl.copy_only`)."""


class BadResponse(TogglUnavailable):
    """Toggl answered 200 with a body we cannot read (malformed JSON, wrong shape)."""


class AnswerTooLarge(BadResponse):
    """Toggl's answer was bigger or more deeply nested than the client reads (`MAX_BODY_BYTES`, `MAX_DEPTH`).

    Apart from `BadResponse` because "try again in a few minutes" would not help: the same request would
    bring the same answer. Caches treat it as any bad answer: the old copy stands, nothing new is kept.
    """
