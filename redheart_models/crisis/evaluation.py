"""`redheart eval crisis-cssrs` and `redheart eval crisis-messages` (DESIGN.md, "Evaluation contract").

Both score the same functions the Crisis deployment runs (rules, classifier, fusion), so a number here is a number
of the service. C-SSRS users: all of a user's posts are the speaker's texts, as a history would be. The baselines:
flagging everyone (recall 1, false alarms 1) and, for the message set, the rule engine alone.
"""

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from redheart_models.crisis import classifier, fusion, rules, signals
from redheart_models.crisis.message_model import MessageRisk
from redheart_models.crisis.tiers import MAX_TIER, RESPONSE_TIER
from redheart_models.data import cssrs
from redheart_models.data.base import DataError
from redheart_models.head import Head
from redheart_models.metrics import crisis_levels

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
                 valence_head: Head | None = None, message_model: MessageRisk | None = None,
                 message_embed: classifier.Embed | None = None) -> tuple[fusion.Fused, signals.Reading | None]:
    """The fused tier of one speaker whose texts (oldest first, the message last) are given, and what the models
    read (None without them). `embed`: the shared encoder; `message_embed`: the message model's encoder."""
    assessments = [rules.assess(t) for t in texts]
    reading, classifier_tier, message_tier, message_share = None, None, None, None
    if model is not None and embed is not None:
        reading = signals.read(model, texts, embed(texts), assessments, valence_head, message_model,
                               message_embed(texts) if message_model is not None else None)
        classifier_tier = int(model.tiers(reading.person[None, :])[0])
        if reading.messages is not None:
            message_tier = int(message_model.tiers(reading.messages[-1:])[0])
            message_share = message_model.response_share(reading.messages[-1])
    words = sum(len(t.split()) for t in texts)
    trends = reading.trends if reading else {}
    fused = fusion.fuse(assessments[-1], assessments[:-1], classifier_tier, len(texts), words, trends, message_tier,
                        message_share)
    return fused, reading


def speaker_tier(texts: Sequence[str], model: classifier.OrdinalClassifier | None, embed: classifier.Embed | None,
                 valence_head: Head | None = None, message_model: MessageRisk | None = None,
                 message_embed: classifier.Embed | None = None) -> fusion.Fused:
    return read_speaker(texts, model, embed, valence_head, message_model, message_embed)[0]


def message_scores(predicted: np.ndarray, tier_min: np.ndarray, tier_max: np.ndarray) -> dict[str, float | None]:
    """Recall of the people at risk (tier_min >= 2) and of the urgent (>= 3), false alarms at tier >= 2 (rows with
    tier_max <= 1) and at any tier (tier_max == 0), and the share rated inside its accepted range."""
    def share(mask: np.ndarray, hit: np.ndarray) -> float | None:
        return float(hit[mask].mean()) if mask.any() else None

    return {"recall_tier2_plus": share(tier_min >= RESPONSE_TIER, predicted >= RESPONSE_TIER),
            "recall_tier3_plus": share(tier_min >= 3, predicted >= 3),
            "false_alarm_tier2_rate": share(tier_max <= 1, predicted >= RESPONSE_TIER),
            "false_alarm_rate": share(tier_max == 0, predicted > 0),
            "in_range": float(((predicted >= tier_min) & (predicted <= tier_max)).mean())}


def evaluate_messages(path: Path, model: classifier.OrdinalClassifier | None, embed: classifier.Embed | None,
                      valence_head: Head | None = None, message_model: MessageRisk | None = None,
                      message_embed: classifier.Embed | None = None, predictions: Path | None = None) -> dict:
    """The service's tier of each message read alone, scored against its range, in total, per language and per
    category; with the rule engine alone beside it. `predictions`: one JSON line per row (text sha256, tier,
    the message model's P(tier >= 1..4))."""
    rows = load_messages(path)
    readings = [read_speaker([r["text"]], model, embed, valence_head, message_model, message_embed) for r in rows]
    tiers = np.array([fused.tier for fused, _ in readings])
    rules_only = np.array([rules.assess(r["text"]).tier for r in rows])
    tier_min, tier_max = np.array([r["tier_min"] for r in rows]), np.array([r["tier_max"] for r in rows])
    languages, categories = np.array([r["lang"] for r in rows]), np.array([r["category"] for r in rows])
    if predictions is not None:
        with Path(predictions).open("w", encoding="utf-8") as handle:
            for row, (fused, reading) in zip(rows, readings):
                p = None if reading is None or reading.messages is None else reading.messages[-1]
                handle.write(json.dumps({"sha256": hashlib.sha256(row["text"].encode()).hexdigest(),
                                         "tier": fused.tier, "p_at_least": None if p is None else
                                         [round(float(v), 6) for v in p]}) + "\n")
    by_category = {c: float(np.mean((tiers >= tier_min) & (tiers <= tier_max), where=categories == c))
                   for c in sorted(set(categories))}
    return {"task": "crisis-messages", "rows": len(rows), **message_scores(tiers, tier_min, tier_max),
            "by_language": {lang: message_scores(tiers[languages == lang], tier_min[languages == lang],
                                                 tier_max[languages == lang]) for lang in sorted(set(languages))},
            "in_range_by_category": by_category, "rules_only": message_scores(rules_only, tier_min, tier_max),
            "baseline_recall_tier2_plus": 1.0, "baseline_false_alarm_rate": 1.0, "classifier": model is not None,
            "message_model": message_model is not None}


def evaluate_users(path: Path, model: classifier.OrdinalClassifier, embed: classifier.Embed,
                   valence_head: Head | None = None, message_model: MessageRisk | None = None,
                   message_embed: classifier.Embed | None = None) -> dict:
    """C-SSRS users (a CSV in the dataset's format): the service's fused tier of each user, all posts being the
    speaker's texts, against the user's level; the ROC AUC ranks users by the classifier's P(Ideation+)."""
    users = cssrs.load(path)
    fused, p_ideation = [], []
    for posts in users.posts:
        tier, reading = read_speaker(posts, model, embed, valence_head, message_model, message_embed)
        fused.append(tier.tier)
        p_ideation.append(reading.person[cssrs.IDEATION - 1])
    metrics = crisis_levels(users.levels, np.array(fused), np.array(p_ideation), cssrs.IDEATION)
    return {"task": "crisis-cssrs", "rows": len(users), **metrics}
