"""Loopback stand-ins for Toggl and Slack that follow their specs; every server stops by itself."""
