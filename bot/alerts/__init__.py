"""Real-time budget alerts: a post in a digest's channel the moment a project crosses the digest's threshold or
its estimate, once per crossing, fed by Toggl's webhooks (or, where Toggl will not send them, a periodic check).

| module         | does                                                                                 |
| -------------- | ------------------------------------------------------------------------------------ |
| `rules.py`     | pure: what a delivery says, and which levels a project is above                       |
| `views.py`     | pure: the alert and the replies to `digest alerts on|off`                            |
| `watch.py`     | a delivery applied to the app's copies; crossings judged and posted once; the check   |
| `manage.py`    | `digest alerts on|off`                                                                |
| `hooks.py`     | the workspace's Toggl webhook subscription: made, reused, repaired or removed        |

The door that receives deliveries is `bot/doors/toggl.py`; it answers Toggl first and hands the delivery here.
"""
