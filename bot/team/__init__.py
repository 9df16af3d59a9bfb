"""The team lead's view (issue 21): a channel post of everyone's tracked time, and a gentle nudge for missing time.

`manage` answers the `team ...` words; `compose` gathers a post's figures (one Reports request per post,
grouped by person and project); `views` is what people read; `runner` posts what is due, each slot claimed
as a lease like a digest's (a `Job` of `bot.scheduled`), and sends the nudges after it.
"""
