"""The verification thresholds (thresholds.json: each value dated, with its reason), loaded once."""

import json
from functools import cache
from pathlib import Path
from typing import Any

THRESHOLDS = Path(__file__).with_name("thresholds.json")


@cache
def thresholds() -> dict[str, Any]:
    """Name -> value (the file's `reason`s stay in the file, for the reader)."""
    raw = json.loads(THRESHOLDS.read_text(encoding="utf-8"))
    return {name: entry["value"] for name, entry in raw.items() if isinstance(entry, dict) and "value" in entry}

