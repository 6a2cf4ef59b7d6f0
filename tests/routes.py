"""Every route of the URLconf with the methods its view answers, for tests that walk them all."""
import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    pattern: str  # as written in the URLconf, regex anchors removed
    methods: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    def path(self, values: dict[str, str]) -> str:
        """The route with each `<conv:name>` / `(?P<name>...)` filled from values (or the regex's first choice)."""

        def regex_value(match: re.Match) -> str:
            name, body = match.group(1), match.group(2)
            return values.get(name) or body.split("|")[0]

        path = re.sub(r"\(\?P<(\w+)>([^)]*)\)", regex_value, self.pattern)
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], path)
        path = path.replace("/?", "/").replace("\\.", ".").replace("\\", "")
        return "/" + path.lstrip("/")


def all_routes(*, skip_prefixes: tuple[str, ...] = ("admin/",)) -> list[Route]:
    """Every route outside `skip_prefixes` (the Django admin is Django's own)."""
    routes = []
    for pattern, callback in _walk(get_resolver().url_patterns):
        if not pattern.startswith(skip_prefixes):
            routes.append(Route(pattern=pattern, methods=tuple(_methods(callback))))
    return routes


def _walk(patterns, prefix=""):
    for entry in patterns:
        pattern = prefix + str(entry.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, pattern)
        elif isinstance(entry, URLPattern):
            yield pattern, entry.callback


def _methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted(method.upper() for method in actions)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        handled = [m for m in view_class.http_method_names if hasattr(view_class, m)]
        return sorted(m.upper() for m in handled if m not in {"options", "head"})
    return ["GET", "POST"]  # a function view: try both
