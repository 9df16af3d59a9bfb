"""How every WebClient of ours retries: slack_sdk's defaults, and Slack's rate limits on top.

Passing `retry_handlers=` to a WebClient replaces slack_sdk's defaults instead of adding to them, so a
list holding only the rate-limit handler silently dropped the retry of a reset connection: one reset
lost that day's digest. Every client the app builds takes its list from here.
"""

from __future__ import annotations

from slack_sdk.http_retry import RetryHandler, default_retry_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

RATE_LIMIT_RETRIES = 2


def retry_handlers() -> list[RetryHandler]:
    """slack_sdk's default handlers (a reset or dropped connection is tried once more) plus waiting out HTTP 429.

    A reset that came after Slack had taken the post may post it twice; slack_sdk accepts that for its
    default, and a lost post is the worse of the two for a digest.
    """
    return [*default_retry_handlers(), RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]
