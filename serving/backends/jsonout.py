"""Check what a model returned as JSON: parse it and validate it against the schema that was asked for."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jsonschema

from assistant.llm import BackendOutputError


def parse_json_reply(text: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object in ``text`` if it validates against ``schema``; BackendOutputError otherwise."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise BackendOutputError(f"the model's reply is not JSON ({exc}): {text[:200]!r}") from None
    if not isinstance(value, dict):
        raise BackendOutputError(f"the model's reply is JSON but not an object: {text[:200]!r}")
    validator_cls = jsonschema.validators.validator_for(schema)
    error = jsonschema.exceptions.best_match(validator_cls(schema).iter_errors(value))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise BackendOutputError(f"the model's JSON fails the schema at {where}: {error.message}")
    return value
