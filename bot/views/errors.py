"""What to tell a person when something failed: one friendly, private sentence per kind of failure."""

from __future__ import annotations

import math

from bot import toggl
from bot.toggl.errors import AnswerTooLarge
from bot.views.account import not_connected
from bot.views.common import Message, notice


def minutes(seconds: int | None) -> str:
    if seconds is None:
        return "within the hour"
    mins = max(1, math.ceil(seconds / 60))
    return f"in {mins} min" if mins != 1 else "in 1 min"


def toggl_error_message(error: toggl.TogglError) -> Message:
    """A message for each Toggl failure; it names no token and shows no trace."""
    match error:
        case toggl.TokenRejected():
            return not_connected("Toggl no longer accepts your API token (it may have been reset). Please connect again.")
        case toggl.QuotaExceeded(resets_in=resets_in, status=None):  # not spent: the last requests are kept
            return notice(
                f"Toggl's hourly request limit is nearly used up, and the last requests are kept for starting and "
                f"stopping timers; it resets {minutes(resets_in)}.",
                "I have no copy of this to show meanwhile: ask again then.",
            )
        case toggl.QuotaExceeded(resets_in=resets_in, bucket="me"):
            return notice(
                f"Toggl's hourly request limit for your own data (30 an hour: timers, your profile, your workspaces) "
                f"is used up; it resets {minutes(resets_in)}.",
                "Nothing is lost: ask again then. `projects`, `today` and `start` do not count against it.",
            )
        case toggl.QuotaExceeded(resets_in=resets_in):
            return notice(
                f"Toggl's hourly request limit for your account is used up; it resets {minutes(resets_in)}.",
                "Nothing is lost: ask again then.",
            )
        case toggl.FeatureUnavailable():
            return notice("Your Toggl plan does not include the report this needs.")
        case toggl.NoWorkspaceAccess():
            return notice(
                "Your Toggl account has no access to that workspace or project.",
                "See `workspaces`, and switch with `workspace <name or id>`.",
            )
        case toggl.Conflict():
            return notice("That changed in Toggl meanwhile (the timer had already stopped).", "`now` shows what runs.")
        case toggl.NotFound():
            return notice("Toggl says that does not exist (any more).", "See `projects` for what there is.")
        case toggl.RateLimited(retry_after=retry_after):
            wait = f"in {retry_after} s" if retry_after else "in a few seconds"
            return notice(f"Toggl is asking us to slow down. Please try again {wait}.")
        case AnswerTooLarge():  # before its base: waiting a few minutes would bring the same answer
            return notice(
                "Toggl answered with something too large or too deeply nested for me to read, so I stopped "
                "reading it and kept none of it.",
                "Nothing was changed. If it happens again, please tell whoever runs this app.",
            )
        case toggl.TogglUnavailable():
            return notice("Toggl is not answering right now. Please try again in a few minutes.")
    return notice("Toggl could not do that. Please try again, or check `help`.")


def write_refused(error: toggl.QuotaExceeded, verb: str) -> Message:
    """A start or stop Toggl refused for its hourly limit: say plainly that it did not happen, and when to retry.

    Never "nothing is lost": for a timer that did not start, time is."""
    if verb in CAPTURE_REFUSED:
        return _capture_refused(error, verb)
    if error.status is None:  # not spent: a read it needed (the project list, say) would take the last requests
        return notice(
            f"The timer did *not* {verb}: I have no copy of what it needs (your projects), and Toggl's last few "
            f"requests this hour are kept for starting and stopping; the limit resets {minutes(error.resets_in)}.",
            f"`{verb}` without `project:` works now; or ask again then.",
        )
    which = "for your own data (timers, your profile)" if error.bucket == "me" else "for your account"
    did = {"start": "The timer did *not* start", "stop": "The timer did *not* stop: it is still running in Toggl"}
    return notice(
        f"{did.get(verb, 'That did *not* happen')}. Toggl's hourly request limit {which} is used up; "
        f"it resets {minutes(error.resets_in)}.",
        f"Please `{verb}` again then, or in Toggl's own app; what you ask here is not kept to be sent later.",
    )


CAPTURE_REFUSED = {
    "log": "Nothing was logged",
    "undo": "The entry was *not* deleted",
    "edit": "The timer was *not* changed",
}
"""The capture writes (issue 20), and what did not happen when the quota refused them."""


def _capture_refused(error: toggl.QuotaExceeded, verb: str) -> Message:
    if error.status is None:
        why = "I have no copy of what it needs (your projects), and Toggl's last few requests this hour are kept for writes"
    else:
        why = "Toggl's hourly request limit for your account is used up"
    return notice(
        f"{CAPTURE_REFUSED[verb]}: {why}; the limit resets {minutes(error.resets_in)}.",
        "Please try again then, or in Toggl's own app; what you ask here is not kept to be sent later.",
    )


def unexpected_error() -> Message:
    return notice("Sorry, something went wrong on our side. It is logged; please try again.")


def not_installed(oauth: bool, install_url: str | None) -> str:
    """For a workspace Slack sends requests from but the app has no installation for (it was removed), or, with one
    workspace, whose bot token Slack refuses. Plain text (Bolt sends it as the whole message, so it is also the
    notification): `install_url` appears bare, and Slack links it."""
    if not oauth:
        return (
            ":electric_plug: Toggl for Slack cannot answer here: Slack no longer accepts its bot token (the app was "
            "removed from this workspace, or reinstalled with a new token). Whoever runs it must reinstall it and set "
            "the new SLACK_BOT_TOKEN."
        )
    where = f"at {install_url}" if install_url else "from the app's /slack/install page"
    return (
        ":electric_plug: Toggl for Slack is no longer installed in this workspace, so I cannot answer here. "
        f"Anyone allowed to add apps can reinstall it {where}."
    )


def unreadable_button() -> Message:
    """A button or menu value we did not make: an old message from before an update, or a damaged one."""
    return notice(
        "That button is from an older message, or its value was damaged, so I cannot tell what it asked for.",
        "Type the words instead, like `projects` or `tasks <project>`; `help` lists them all.",
    )
