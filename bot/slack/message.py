"""A Slack message as `chat.postMessage` and `response_url` take it: `text`, `blocks` and the like."""

from typing import Any

Message = dict[str, Any]
