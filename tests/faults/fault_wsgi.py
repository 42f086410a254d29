"""gunicorn entry point of the fault tests: Sesshu's app plus the slow service task."""

from tests.faults import slow_step
from wsgi import app

slow_step.register()

__all__ = ["app"]
