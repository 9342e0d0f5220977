"""One crisis tier from four signals: the message model, the rule engine, the person classifier, and escalation.

1. Message model (message_model.py): the primary detector. Its tier of the message stands at any level (0..4):
   it was trained on messages, and it reads the rules' context readings as inputs.
2. Rules: the highest active tier in the message and in the speaker's own history utterances: a floor for
   unmistakable expressions (a plan stated earlier in the conversation still holds). The message model may veto the
   rules' tier of the message: it counts only where the model's P(tier >= 2) reaches RULE_VETO_SHARE of its
   threshold (measured out of fold 2026-12-02, benchmarks/README.md: an unconditional floor added 0.1 point of
   recall and 2.7 points of false alarms, because the rules fire on negated, joking, recovered and quoted words the
   model reads in context).
3. Person classifier (classifier.py): its tier may raise the tier, up to a cap. It was trained on people with several
   posts (median 639 words), so it speaks for a person (cap PERSON_CAP) from PERSON_LEVEL_TEXTS texts or
   PERSON_LEVEL_WORDS words on; below that (a chat message) its cap is MESSAGE_CAP, and 0 when the rule engine has
   read risk-like words in context (idiom, negation, someone else, fiction) and found nothing of the speaker's own.
4. Escalation: a sustained rise of the per-utterance risk (the message model's P(tier >= 2) of each utterance), or
   a sustained fall of the per-utterance valence (the emotion module's valence head), over the speaker's recent
   utterances raises a tier 0 to 1 and 1 to 2 (never more by itself).
Without the models (encoder or model failed or late) the rules and escalation decide and the result is flagged
degraded. When in doubt the higher tier wins: but for the model's veto of the message's rules, every step only raises.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from redheart_models import dsp
from redheart_models.crisis.rules import RuleAssessment
from redheart_models.crisis.tiers import MAX_TIER
from redheart_models.trace import formula

VERSION = "crisis.fusion@3"
ESCALATION = "crisis.theil_sen_escalation@1"
PERSON_LEVEL_TEXTS = 3
PERSON_LEVEL_WORDS = 50  # the shortest 5 % of training users wrote < 63 words
MESSAGE_CAP = 1
RULE_VETO_SHARE = 1.0  # of the model's tier >= 2 threshold (benchmarks/crisis_rule_floor.py, out of fold)
PERSON_CAP = 3
ESCALATION_WINDOW = 6  # most recent utterances of the speaker examined
ESCALATION_MIN_POINTS = 3
# The rise across the window (by the Theil-Sen slope) that counts, per series: 30 % of each one's range.
# `p_ideation` is P(Ideation+) of each text alone (0..1); `valence_fall` is minus the valence (-1..1).
ESCALATION_MIN_RISE = {"p_ideation": 0.3, "valence_fall": 0.6}
ESCALATION_MIN_STEPS_UP = 0.6  # share of consecutive steps that do not fall


@dataclass(frozen=True)
class Escalation:
    points: int
    slope: float
    rise: float
    steps_up: float
    escalating: bool


def escalation(series: Sequence[float], min_rise: float, window: int = ESCALATION_WINDOW,
               min_steps_up: float = ESCALATION_MIN_STEPS_UP) -> Escalation:
    """A sustained rise of a per-utterance series (oldest first) over its last `window` points."""
    values = np.asarray(series, dtype=np.float64)[-window:]
    if len(values) < ESCALATION_MIN_POINTS:
        return Escalation(len(values), 0.0, 0.0, 0.0, False)
    slope = dsp.theil_sen(np.arange(len(values), dtype=np.float64), values)  # per utterance
    rise = slope * (len(values) - 1)
    steps_up = float((np.diff(values) >= 0).mean())
    return Escalation(len(values), slope, rise, steps_up, rise >= min_rise and steps_up >= min_steps_up)


@formula(ESCALATION)
def escalation_step(series: list[float], window: int, min_rise: float, min_steps_up: float) -> dict:
    """The escalation of a recorded series, as its trace step records it (so the step replays)."""
    e = escalation(series, min_rise, window, min_steps_up)
    return {"slope": e.slope, "rise": e.rise, "steps_up": e.steps_up, "escalating": e.escalating}


@formula(VERSION)
def fused_tier(rule_tier: int, message_tier: int | None, classifier_tier: int | None, classifier_cap: int,
               escalating: bool, **recorded: object) -> int:
    """The tier from the signals (`recorded`: the rest of the fusion step's inputs, the rules' veto among them, is
    already in `rule_tier`): the highest of the rules' and the message model's, the classifier's up to its cap,
    one tier more (to at most 2) on an escalation."""
    tier = max(rule_tier, message_tier or 0)
    if classifier_tier is not None:
        tier = max(tier, min(classifier_tier, classifier_cap))
    if escalating and tier < 2:
        tier += 1
    return min(tier, MAX_TIER)


@dataclass(frozen=True)
class Fused:
    tier: int
    rule_tier: int
    rules_vetoed: bool  # the message model's reading overruled the rules' tier of the message
    message_tier: int | None
    classifier_tier: int | None
    classifier_cap: int
    escalations: dict[str, Escalation]
    degraded: bool

    @property
    def escalating(self) -> bool:
        return any(e.escalating for e in self.escalations.values())


def classifier_cap(message: RuleAssessment, rule_tier: int, texts: int, words: int) -> int:
    if texts >= PERSON_LEVEL_TEXTS or words >= PERSON_LEVEL_WORDS:
        return PERSON_CAP
    return 0 if message.neutralised and rule_tier == 0 else MESSAGE_CAP


def fuse(message: RuleAssessment, history: Sequence[RuleAssessment], classifier_tier: int | None,
         texts: int, words: int, trends: Mapping[str, Sequence[float]], message_tier: int | None = None,
         message_share: float | None = None, rule_veto_share: float = RULE_VETO_SHARE) -> Fused:
    """The tier of the speaker from the message model's tier of the message (and `message_share`, its P(tier >= 2)
    over its threshold), the rules, the person classifier's tier over the speaker's `texts` texts of `words` words
    (history + message) and the per-utterance `trends` available (names of ESCALATION_MIN_RISE)."""
    vetoed = message.tier > 0 and message_share is not None and message_share < rule_veto_share
    rule_tier = max([0 if vetoed else message.tier, *(h.tier for h in history)])
    cap = classifier_cap(message, rule_tier, texts, words)
    escalations = {name: escalation(values, ESCALATION_MIN_RISE[name]) for name, values in trends.items()}
    tier = fused_tier(rule_tier, message_tier, classifier_tier, cap, any(e.escalating for e in escalations.values()))
    degraded = classifier_tier is None or message_tier is None
    return Fused(tier, rule_tier, vetoed, message_tier, classifier_tier, cap, escalations, degraded)
