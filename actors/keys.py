"""Every Redis key name Red Heart uses, in one place."""

PREFIX = "redheart"

AUDIT_STREAM = f"{PREFIX}:audit"
