"""The WSGI entry point for `gunicorn bot.wsgi:application` (the Procfile's web line)."""

from bot.app import create_app, wsgi_app
from bot.logs import setup_logging
from bot.settings import Settings

setup_logging()
application = wsgi_app(create_app(Settings()))
