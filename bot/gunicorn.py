"""HTTP serving with gunicorn's embedding API: one worker, many threads, a large backlog.

Bolt's own `app.start()` is a single-threaded `http.server` with a small listen backlog; under a
burst of commands it resets connections. The app is built inside the worker (`load`), so no
thread or connection crosses gunicorn's fork.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from bot.settings import Settings


class _Embedded(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any], scheduler: bool) -> None:
        self._settings = settings
        self._options = options
        self._scheduler = scheduler
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from bot.app import create_app, start_scheduler, wsgi_app
        from bot.service import Service

        service = Service.from_settings(self._settings)
        app = create_app(self._settings, service=service)
        if self._scheduler:
            start_scheduler(self._settings)
        return wsgi_app(app, service)


def options(host: str, port: int) -> dict[str, Any]:
    from bot.app import HTTP_BACKLOG, HTTP_THREADS

    return {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": HTTP_THREADS,
        "backlog": HTTP_BACKLOG,
        "timeout": 60,
        "accesslog": None,
    }


def serve_http(settings: Settings, host: str = "0.0.0.0", *, scheduler: bool = True) -> None:
    _Embedded(settings, options(host, settings.port), scheduler).run()
