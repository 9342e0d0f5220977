"""Reddit C-SSRS suicide dataset (Gaur et al., WWW 2019): one psychiatrist-assigned risk level per user.

Format: CSV with header `User,Post,Label`; `Post` is a Python-list literal of the user's posts (28 fields are
truncated at 32,759 characters in the source, so it is parsed leniently); `Label` is ordinal:
Supportive < Indicator < Ideation < Behavior < Attempt. Content warning: explicit descriptions of self-harm.
"""

import ast
import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from redheart_models.data.base import DataError

LEVELS = ["Supportive", "Indicator", "Ideation", "Behavior", "Attempt"]
IDEATION = LEVELS.index("Ideation")


@dataclass(frozen=True)
class Users:
    """Users with their posts and ordinal level (index into LEVELS)."""

    users: list[str]
    posts: list[list[str]]
    levels: np.ndarray
    source: Path

    def __len__(self) -> int:
        return len(self.users)


def parse_posts(field: str) -> list[str]:
    """The list literal, or for a truncated one, its items split on the literal's separators."""
    try:
        value = ast.literal_eval(field)
        if isinstance(value, list) and all(isinstance(p, str) for p in value):
            return [p for p in value if p.strip()]
    except (ValueError, SyntaxError):
        pass
    body = field.strip().removeprefix("[").removesuffix("]").strip("'\"")
    return [p for p in body.replace("', \"", "', '").replace("\", '", "', '").split("', '") if p.strip()]


def load(path: Path) -> Users:
    csv.field_size_limit(1 << 24)
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != ["User", "Post", "Label"]:
            raise DataError(path, f"header must be User,Post,Label, got {','.join(header)}", 1)
        users, posts, levels = [], [], []
        for record in reader:
            line = reader.line_num
            if len(record) != 3:
                raise DataError(path, f"expected 3 columns, got {len(record)}", line)
            user, post, label = record
            if label not in LEVELS:
                raise DataError(path, f"label must be one of {LEVELS}, got {label!r}", line)
            items = parse_posts(post)
            if not items:
                raise DataError(path, f"user {user} has no posts", line)
            users.append(user)
            posts.append(items)
            levels.append(LEVELS.index(label))
    if not users:
        raise DataError(path, "no rows")
    if len(set(users)) != len(users):
        raise DataError(path, "user ids must be unique")
    return Users(users, posts, np.asarray(levels, dtype=np.int64), Path(path))
