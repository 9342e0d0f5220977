"""The ethics constants (constants.yaml), loaded once."""

from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONSTANTS = Path(__file__).with_name("constants.yaml")


@cache
def constants() -> dict[str, Any]:
    with CONSTANTS.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
