"""Every Redis key name Red Heart uses, in one place."""

PREFIX = "redheart"

AUDIT_STREAM = f"{PREFIX}:audit"
REVIEW_STREAM = f"{PREFIX}:crisis:review"
REVIEW_GROUP = "reviewers"
