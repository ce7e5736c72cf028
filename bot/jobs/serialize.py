"""JSON job payloads for arq, instead of its default pickle.

A job sitting in Redis is data, not code: JSON means a payload written by one version of
should-ai can be read (and audited) by another, and nothing in Redis can execute on load.
Job arguments must therefore be JSON values (str, int, float, bool, None, lists, dicts).
"""

from __future__ import annotations

import json
from typing import Any


def dumps(data: dict[str, Any]) -> bytes:
    # default=repr: arq also serialises a failed job's exception; record its repr, not nothing.
    return json.dumps(data, default=repr, separators=(",", ":")).encode()


def loads(raw: bytes) -> dict[str, Any]:
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError(f"job payload is not a JSON object: {raw[:80]!r}")
    return data
