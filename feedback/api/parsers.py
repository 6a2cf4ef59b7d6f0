"""Strict, bounded JSON: what every JSON body and every JSON text field of the API is parsed with.

Python's json module accepts NaN and Infinity (which PostgreSQL's jsonb refuses), turns 1e999 into
infinity, and recurses once per nesting level (a body of 100,000 "[" ends in RecursionError).
Strings may carry NUL characters or lone surrogates ("\\ud800") that PostgreSQL cannot store. Each
of these is a ParseError here: a short 400 naming what to fix, before any view sees the data.
"""
import json
import math
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding

MAX_JSON_DEPTH = 32


def json_parse(text: str | bytes) -> Any:
    """Parse JSON text; ValueError with a short reason for anything the project could not store."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"Malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
    except UnicodeDecodeError:
        raise ValueError("The JSON is not valid UTF-8.") from None
    except ValueError as exc:  # our own refusals, and integers past Python's digit limit
        raise ValueError(str(exc)[:200]) from None
    _check_values(data)
    return data


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with `json_parse`'s rules."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        raw = stream.read() if stream is not None else b""
        try:
            return json_parse(raw.decode(encoding))
        except UnicodeDecodeError:
            raise ParseError(f"The body is not valid {encoding} text.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error: {exc}") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number: send a finite number or null.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"The number {text[:20]} is too large: send a finite number.")
    return value


def _check_values(data: Any) -> None:
    """Depth and string checks without recursion (a stack of (value, depth))."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        else:
            stack.extend((item, depth + 1) for item in value)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ValueError("Text may not contain NUL characters (\\u0000).")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("Text may not contain lone surrogates (such as \\ud800): send valid Unicode.") from None
