"""Request and task ids on every log line, and the JSON log format (TASTEMAKER_LOG_FORMAT=json).

`RequestIdMiddleware` takes the caller's X-Request-ID (when it is a short, printable token) or
makes one, keeps it for the request's log lines, and echoes it in the response's X-Request-ID.
`ContextFilter` puts `request_id` and, inside a Celery task, `task_id` and `task_name` on every
record, so the JSON formatter writes them as fields (and the plain format can name them).
"""
import contextvars
import logging
import re
import uuid

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only if it is this shape (no spaces or control characters, bounded).
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("tastemaker_request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdMiddleware:
    """Outermost, so every line the request logs (and the response) carries its id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _ACCEPTED_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        reset = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(reset)
        response[REQUEST_ID_HEADER] = request_id
        return response


class ContextFilter(logging.Filter):
    """Adds request_id, task_id and task_name (None outside a request or a task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        task = _current_task()
        request = getattr(task, "request", None) if task is not None else None
        record.task_id = getattr(request, "id", None)
        record.task_name = getattr(task, "name", None) if record.task_id else None
        return True


def _current_task():
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency
        return None
    return current_task if current_task and getattr(current_task, "request", None) else None


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING dict: one console handler, JSON (python-json-logger) or plain text."""
    formatters = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s %(task_name)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        },
        # The embedded default, as it always was: the message alone.
        "plain": {"format": "%(message)s"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "config.logs.ContextFilter"}},
        "formatters": {"main": formatters["json" if log_format == "json" else "plain"]},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": "main"}},
        "root": {"handlers": ["console"], "level": level},
    }
