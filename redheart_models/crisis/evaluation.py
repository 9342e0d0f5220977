"""`redheart eval crisis-cssrs` and `redheart eval crisis-messages` (DESIGN.md, "Evaluation contract").

Both score the same functions the Crisis deployment runs (rules, classifier, fusion), so a number here is a number
of the service. C-SSRS users: all of a user's posts are the speaker's texts, as a history would be. The baselines:
flagging everyone (recall 1, false alarms 1) and, for the message set, the rule engine alone.
"""

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from redheart_models.crisis import classifier, fusion, rules, signals
from redheart_models.crisis.tiers import MAX_TIER, RESPONSE_TIER
from redheart_models.data import cssrs
from redheart_models.data.base import DataError
from redheart_models.training.head import Head
from redheart_models.training.metrics import crisis_levels

MESSAGE_FIELDS = {"text": str, "lang": str, "tier_min": int, "tier_max": int, "category": str}


def load_messages(path: Path) -> list[dict]:
    """The `crisis-messages` JSON Lines file: text, lang (en|ko), tier_min <= tier_max in 0..4, category."""
    rows = []
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(path, f"not JSON: {exc.msg}", line_no) from None
        for name, kind in MESSAGE_FIELDS.items():
            if not isinstance(row.get(name), kind) or (kind is str and not row[name].strip()):
                raise DataError(path, f"field {name!r} must be a non-empty {kind.__name__}", line_no)
        if row["lang"] not in ("en", "ko") or not 0 <= row["tier_min"] <= row["tier_max"] <= MAX_TIER:
            raise DataError(path, "lang must be en|ko and 0 <= tier_min <= tier_max <= 4", line_no)
        rows.append(row)
    if not rows:
        raise DataError(path, "no rows")
    return rows


def read_speaker(texts: Sequence[str], model: classifier.OrdinalClassifier | None, embed: classifier.Embed | None,
                 valence_head: Head | None = None) -> tuple[fusion.Fused, np.ndarray | None]:
    """The fused tier of one speaker whose texts (oldest first, the message last) are given, and the classifier's
    cumulative probabilities (None without a classifier)."""
    assessments = [rules.assess(t) for t in texts]
    person, classifier_tier, trends = None, None, {}
    if model is not None and embed is not None:
        person, trends = signals.read(model, texts, embed(texts), assessments, valence_head)
        classifier_tier = int(model.tiers(person[None, :])[0])
    words = sum(len(t.split()) for t in texts)
    return fusion.fuse(assessments[-1], assessments[:-1], classifier_tier, len(texts), words, trends), person


def speaker_tier(texts: Sequence[str], model: classifier.OrdinalClassifier | None, embed: classifier.Embed | None,
                 valence_head: Head | None = None) -> fusion.Fused:
    return read_speaker(texts, model, embed, valence_head)[0]


def evaluate_messages(path: Path, model: classifier.OrdinalClassifier | None, embed: classifier.Embed | None,
                      valence_head: Head | None = None) -> dict:
    rows = load_messages(path)
    tiers = np.array([speaker_tier([r["text"]], model, embed, valence_head).tier for r in rows])
    rules_only = np.array([rules.assess(r["text"]).tier for r in rows])
    tier_min = np.array([r["tier_min"] for r in rows])
    tier_max = np.array([r["tier_max"] for r in rows])

    def scores(predicted: np.ndarray) -> dict[str, float]:
        at_risk, safe = tier_min >= RESPONSE_TIER, tier_max == 0
        return {"recall_tier2_plus": float((predicted[at_risk] >= RESPONSE_TIER).mean()),
                "false_alarm_rate": float((predicted[safe] > 0).mean()),
                "in_range": float(((predicted >= tier_min) & (predicted <= tier_max)).mean())}

    categories = sorted({r["category"] for r in rows})
    by_category = {c: float(np.mean([tier_min[i] <= tiers[i] <= tier_max[i] for i, r in enumerate(rows)
                                     if r["category"] == c])) for c in categories}
    return {"task": "crisis-messages", "rows": len(rows), **scores(tiers), "in_range_by_category": by_category,
            "rules_only": scores(rules_only), "baseline_recall_tier2_plus": 1.0, "baseline_false_alarm_rate": 1.0,
            "classifier": model is not None}


def evaluate_users(path: Path, model: classifier.OrdinalClassifier, embed: classifier.Embed,
                   valence_head: Head | None = None) -> dict:
    """C-SSRS users (a CSV in the dataset's format): the service's fused tier of each user, all posts being the
    speaker's texts, against the user's level; the ROC AUC ranks users by the classifier's P(Ideation+)."""
    users = cssrs.load(path)
    fused, p_ideation = [], []
    for posts in users.posts:
        reading, person = read_speaker(posts, model, embed, valence_head)
        fused.append(reading.tier)
        p_ideation.append(person[cssrs.IDEATION - 1])
    metrics = crisis_levels(users.levels, np.array(fused), np.array(p_ideation), cssrs.IDEATION)
    return {"task": "crisis-cssrs", "rows": len(users), **metrics}
