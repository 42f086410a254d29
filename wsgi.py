"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

import sys

from web import ConfigError, create_app

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"設定エラー: {error}")
