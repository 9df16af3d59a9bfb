"""The WSGI entry point for `gunicorn bot.wsgi:application` (the Procfile's web line)."""

from bot.app import create_app, wsgi_app
from bot.logs import setup_logging
from bot.service import Service
from bot.settings import Settings

setup_logging()
_settings = Settings()
_service = Service.from_settings(_settings)
application = wsgi_app(create_app(_settings, service=_service), _service)
