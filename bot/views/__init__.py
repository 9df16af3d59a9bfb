"""Pure functions from data to Slack messages (`{"text": ..., "blocks": [...]}`), one module per surface.

Every builder escapes names for mrkdwn, keeps within Block Kit's limits, and sets a plain
`text` fallback for notifications and screen readers.
"""
