"""The response policy: fixed, reviewed texts and the crisis resources of the request's locale (responses.json).

Nothing here is generated: a tier picks a template, the locale picks a list of resources, each with its source.
Tier >= RESPONSE_TIER gets `support` (tier >= URGENT_TIER: `urgent`); a concern about someone else, `concern_other`.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from redheart_models.crisis.tiers import RESPONSE_TIER, URGENT_TIER

RESPONSES = Path(__file__).with_name("responses.json")


@dataclass(frozen=True)
class Resource:
    name: str
    contact: str
    hours: str
    source: str


@dataclass(frozen=True)
class Response:
    template_id: str
    text: str
    resources: tuple[Resource, ...]
    region: str


@cache
def load_responses(path: Path = RESPONSES) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def region_of(locale: str | None, language: str) -> str:
    """`ko-KR` -> KR; no locale: the language's region when it has one (ko -> KR), else `default`."""
    data = load_responses()
    if locale:
        parts = locale.replace("_", "-").split("-")
        region = parts[-1].upper() if len(parts) > 1 else data["language_region"].get(parts[0].lower(), "")
        if region in data["resources"]:
            return region
    return data["language_region"].get(language, "default")


def respond(tier: int, concern_other: bool, language: str, locale: str | None) -> Response | None:
    """The fixed response for a tier, or None below RESPONSE_TIER without a concern about someone else."""
    if tier >= URGENT_TIER:
        template_id = "urgent"
    elif tier >= RESPONSE_TIER:
        template_id = "support"
    elif concern_other:
        template_id = "concern_other"
    else:
        return None
    return template(template_id, language, locale)


def template(template_id: str, language: str, locale: str | None) -> Response:
    """A fixed text in the language with the resources of the locale (`unchecked`: the last resort when the crisis
    rules themselves fail, which claims nothing about the message)."""
    data = load_responses()
    region = region_of(locale, language)
    resources = tuple(Resource(**r) for r in data["resources"][region])
    return Response(f"{template_id}.{language}", data["templates"][template_id][language], resources, region)
