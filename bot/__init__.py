"""Toggl for Slack: each person's Toggl Track projects and tasks in Slack, and a budget digest."""

__version__ = "0.1.0"
