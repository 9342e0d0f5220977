"""What the layers verify: one request and what each module answered, as plain JSON values (no pydantic, no Ray)."""

from dataclasses import dataclass, field
from typing import Any

ANSWERED = ("ok", "partial")


@dataclass(frozen=True)
class Analysis:
    """`statuses`: every requested module -> its status (`skipped` when it does not apply); `sections`: module ->
    its result as JSON values, for the modules that answered; `history`: the texts of the conversation, in order,
    and `own`: the indices of the person's own (not a counsellor's or a bot's); `problems`: module -> what
    containment found wrong with its raw output (its section is then withheld)."""

    text: str
    language: str
    statuses: dict[str, str]
    sections: dict[str, dict[str, Any]]
    alternatives: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    own: list[int] = field(default_factory=list)
    locale: str | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)

    def answered(self, module: str) -> dict[str, Any] | None:
        """The module's section when it answered, else None."""
        return self.sections.get(module) if self.statuses.get(module) in ANSWERED else None

    def source(self, where: str) -> str | None:
        """The text an evidence item's `where` names: `text`, `history.N`; None for anything else."""
        if where == "text":
            return self.text
        if where.startswith("history.") and where[8:].isdigit() and int(where[8:]) < len(self.history):
            return self.history[int(where[8:])]
        return None
