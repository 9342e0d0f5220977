"""Validation errors as the HTTP API reports them (422): the field, the message and the limit, never the input."""

from typing import Any

BODY_MESSAGES = {
    "json_invalid": "the request body is not valid JSON",
    "model_attributes_type": "the request body must be a JSON object such as {\"text\": \"...\"}",
    "missing": "the request body is missing; send a JSON object such as {\"text\": \"...\"}",
}


def describe_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic/FastAPI validation errors as `{field, message, limit}` items, without echoing the input back."""
    described = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        if error.get("type") == "json_invalid":
            loc = []
        field = ".".join(loc) or "body"
        ctx = error.get("ctx") or {}
        if field == "body":
            error = {**error, "msg": BODY_MESSAGES.get(error.get("type"), error.get("msg", "invalid"))}
        limit = next((ctx[k] for k in ("max_length", "min_length", "ge", "le", "expected", "pattern") if k in ctx), None)
        item = {"field": field, "message": f"{field}: {error.get('msg', 'invalid')}", "type": error.get("type")}
        if limit is not None:
            item["limit"] = limit
        described.append(item)
    return described
