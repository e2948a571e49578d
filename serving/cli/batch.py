"""JSON Lines batch mode shared by every command that has one (CONTRACTS.md, "CLI batch mode").

One output line per non-blank input line, in order, with ``line`` (the 1-based line number in the input)
and the input's ``id`` echoed. A bad line yields ``{"line", "error": {"message", "param"}}`` in its place
and one line on stderr; the exit code is 0 if every line succeeded, else 2 after all lines are answered.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

from assistant.errors import InvalidInput

Handler = Callable[[Mapping[str, Any]], Mapping[str, Any]]


class BatchLineError(InvalidInput):
    """A batch line is malformed (not JSON, not an object, a field missing or of the wrong type)."""


def require(record: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    """The value of a required field of the right type, or BatchLineError naming the field."""
    if key not in record:
        raise BatchLineError(f"field {key!r} is required", param=key)
    value = record[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise BatchLineError(f"field {key!r} must be {names}, got {type(value).__name__}", param=key, value=value)
    return value


def run_batch(lines: Iterable[str], handle: Handler, out: TextIO, err: TextIO) -> int:
    """Answer every non-blank JSON line with ``handle``; return the exit code (0 or 2)."""
    failed = False
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        record: Mapping[str, Any] = {}
        try:
            parsed = json.loads(raw)
            if not isinstance(parsed, dict):
                raise BatchLineError("each line must be a JSON object", param=None)
            record = parsed
            result: dict[str, Any] = {"line": number, **_echo_id(record), **handle(record)}
        except (json.JSONDecodeError, InvalidInput) as exc:
            failed = True
            param = getattr(exc, "param", None)
            message = f"line is not valid JSON: {exc}" if isinstance(exc, json.JSONDecodeError) else str(exc)
            result = {"line": number, **_echo_id(record), "error": {"message": message, "param": param}}
            print(f"line {number}: {message}", file=err)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return 2 if failed else 0


def _echo_id(record: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": record["id"]} if "id" in record else {}
