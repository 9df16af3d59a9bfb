"""Slack listeners, one module per kind; every id the app answers is wired in a `register` here."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, capture, commands, home, messages, options, unfurl, uninstall, views, workflow
from handlers.deps import Deps


def register_all(app: App, deps: Deps) -> None:
    commands.register(app, deps)
    messages.register(app, deps)
    actions.register(app, deps)
    options.register(app, deps)
    views.register(app, deps)
    home.register(app, deps)
    uninstall.register(app, deps)
    capture.register(app, deps)  # issue 20: shortcuts, entry forms
    unfurl.register(app, deps)  # issue 20: track.toggl.com links
    workflow.register(app, deps)  # issue 20: the Workflow Builder step
