"""Opting in and out of one's own messages, by words anywhere and on the Home tab."""

from __future__ import annotations

from bot import buttons
from tests.blockkit import all_text, elements_of
from tests.fakes.app import Running
from tests.handlers.test_home import open_home
from tests.handlers.test_timers import replies


def test_summary_weekly_on_in_a_dm_then_off(running: Running, ada: dict) -> None:
    running.send.dm("summary weekly on")
    (post,) = running.slack.wait_for_calls("chat.postMessage")
    text = all_text(post.body)
    assert "every Monday at 09:00 (Europe/Berlin)" in text and "The first comes Mon 30 Nov 2026, 09:00" in text
    (sched,) = running.service.personal.of_person("T1", "U1")
    assert (sched.kind, sched.cadence, sched.weekday, sched.at_time) == ("summary", "weekly", 0, "09:00")
    running.send.dm("summary weekly off", event_id="Ev-off")
    (_, off) = running.slack.wait_for_calls("chat.postMessage", 2)
    assert "The weekly summary is off" in all_text(off.body) and running.service.personal.all() == []


def test_a_week_from_wednesday_gets_its_summary_on_wednesday(running: Running, ada: dict) -> None:
    running.toggl.people[ada["token"]].me["beginning_of_week"] = 3
    running.service.accounts.connect("T1", "U1", ada["token"])
    running.send.command("summary on")
    (reply,) = replies(running)
    assert "every Wednesday at 09:00" in all_text(reply)


def test_remind_at_a_time_then_off_even_without_a_connection(running: Running, ada: dict) -> None:
    running.send.command("remind me at 5:30 pm")
    (reply,) = replies(running)
    text = all_text(reply)
    assert "On workdays at 17:30 (Europe/Berlin)" in text and "The next check is Mon 23 Nov 2026, 17:30" in text
    running.service.accounts.disconnect("T1", "U1")
    assert running.service.personal.get("T1", "U1", "reminder").paused_reason  # type: ignore[union-attr]  # a None fails the test all the same
    running.send.command("remind off")
    (_, off) = replies(running, 2)
    assert "Reminders are off" in all_text(off) and running.service.personal.all() == []


def test_bad_words_say_how_to_write_them(running: Running) -> None:
    running.send.command("remind at teatime")
    (reply,) = replies(running)
    assert "“teatime” is not a time I can read" in all_text(reply) and "remind at 17:30" in all_text(reply)


def test_the_home_tab_switches_them_and_picks_the_time(running: Running, ada: dict) -> None:
    home = open_home(running)
    text = all_text(home)
    assert "Weekly summary: off" in text and "Workday reminder: off" in text
    (on,) = [e for e in elements_of({"blocks": home["blocks"]}) if e.get("action_id") == "home_summary_on"]
    running.send.home_button("home_summary_on", on["value"])
    (dm,) = running.slack.wait_for_calls("chat.postMessage")
    assert dm.body["channel"] == "U1" and "every Monday at 09:00" in all_text(dm.body)
    redrawn = running.slack.wait_for_calls("views.publish", 2)[1].body["view"]
    assert "Weekly summary: on, every Monday at 09:00 (Europe/Berlin)" in all_text(redrawn)
    picker = {"type": "timepicker", "action_id": "home_remind_time", "block_id": "home_reminder", "selected_time": "18:15"}
    running.send.interaction(
        {
            "type": "block_actions",
            "user": {"id": "U1", "team_id": "T1"},
            "team": {"id": "T1"},
            "api_app_id": "A1",
            "trigger_id": "trigger-x",
            "container": {"type": "view", "view_id": "VHOME"},
            "view": {"id": "VHOME", "type": "home", "blocks": []},
            "actions": [picker],
        }
    )
    again = running.slack.wait_for_calls("views.publish", 3)[2].body["view"]
    assert "Workday reminder: at 18:15 (Europe/Berlin)" in all_text(again)
    assert running.service.personal.get("T1", "U1", "reminder").at_time == "18:15"  # type: ignore[union-attr]  # a None fails the test all the same
    off = buttons.encode(buttons.SetReminder(at=None))
    running.send.home_button("home_remind_off", off)
    final = running.slack.wait_for_calls("views.publish", 4)[3].body["view"]
    assert "Workday reminder: off" in all_text(final)


def test_disconnecting_says_the_personal_messages_pause(running: Running, ada: dict) -> None:
    running.send.command("summary weekly on")
    replies(running)
    running.send.command("disconnect")
    (_, reply) = replies(running, 2)
    assert "Your personal messages are paused too" in all_text(reply) and "`connect` resumes them" in all_text(reply)
    assert running.service.personal.get("T1", "U1", "summary").paused_reason  # type: ignore[union-attr]  # a None fails the test all the same
