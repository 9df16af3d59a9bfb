"""A person's own messages by DM: a weekly summary of their time, and a workday reminder when nothing was tracked.

`manage` answers the words that turn them on and off (`summary weekly on|off`, `remind at 17:30|off`);
`runner` sends what is due, each slot claimed as a lease like a digest's, on the scheduler's tick.
"""

from bot.personal.manage import first_workday, settings_answer

__all__ = ["first_workday", "settings_answer"]
