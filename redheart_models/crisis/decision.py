"""The crisis decision of one speaker: rules, message model, person classifier, escalation and the fixed response,
each step recorded with its evidence. Pure: the Crisis deployment calls it with what its models read, and the
coordinator calls it with no models when that deployment fails, so no failure anywhere removes a crisis answer.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from redheart_models.crisis import classifier, fusion, message_model, policy, rules, signals
from redheart_models.crisis.message_model import MessageRisk
from redheart_models.crisis.tiers import RESPONSE_TIER, URGENT_TIER
from redheart_models.trace import Step, text_digest

VERSION = f"{rules.VERSION}+{message_model.VERSION}+{classifier.VERSION}+{fusion.VERSION}"
POLICY = "crisis.policy@1"


@dataclass(frozen=True)
class Evidence:
    """One reason behind the tier: a rule hit (span, context status, source), a model score, a trend."""

    signal: str  # rule, message_model, classifier, escalation
    where: str  # text, history.N, person
    tier: int
    rule: str | None = None
    kind: str | None = None
    status: str | None = None
    cue: str | None = None
    span: tuple[int, int] | None = None
    source: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class Decision:
    tier: int
    degraded: bool
    concern_other: bool
    evidence: list[Evidence]
    steps: list[Step]
    response: policy.Response | None
    risk_series: list[float]  # the per-utterance risk escalation watched (oldest first)

    @property
    def urgent(self) -> bool:
        return self.tier >= URGENT_TIER


def _rule_evidence(where: str, assessment: rules.RuleAssessment) -> list[Evidence]:
    return [Evidence("rule", where, h.effective_tier, h.rule, h.kind, h.status, h.cue, (h.start, h.end),
                     rules.source_of(h)) for h in assessment.hits]


def decide(text: str, history: Sequence[tuple[int, str]], language: str, locale: str | None,
           reading: signals.Reading | None = None, model: classifier.OrdinalClassifier | None = None,
           message_risk: MessageRisk | None = None) -> Decision:
    """The decision from the rules and, when given, what the models read of the speaker's texts (`history`: the
    speaker's own earlier utterances as (index, text); the models' texts oldest first, the message last)."""
    trends = {name: [round(v, 6) for v in values] for name, values in (reading.trends if reading else {}).items()}
    message_rules = rules.assess(text)
    history_rules = [(i, rules.assess(t)) for i, t in history]
    evidence = _rule_evidence("text", message_rules)
    for i, assessment in history_rules:
        evidence += _rule_evidence(f"history.{i}", assessment)
    steps = [Step("crisis.rules", rules.VERSION,
                  {"texts": 1 + len(history_rules), "expressions": str(rules.EXPRESSIONS.name),
                   "text_sha256": text_digest(text)},
                  {"message_tier": message_rules.tier, "history_tiers": [a.tier for _, a in history_rules],
                   "hits": len(evidence), "neutralised": message_rules.neutralised})]
    message_tier, message_share = None, None
    if reading is not None and reading.messages is not None and message_risk is not None:
        p = reading.messages[-1]
        message_tier, message_share = int(message_risk.tiers(p[None, :])[0]), message_risk.response_share(p)
        evidence.append(Evidence("message_model", "text", message_tier, source=message_model.VERSION,
                                 score=round(float(p[RESPONSE_TIER - 1]), 6)))
        steps.append(Step("crisis.message_model", message_model.VERSION,
                          {"text": "the message", "encoder": message_risk.encoder,
                           "thresholds": [float(t) for t in message_risk.thresholds]},
                          {"p_at_least": [round(float(v), 6) for v in p], "tier": message_tier}))
    classifier_tier = None
    if reading is not None and model is not None:
        person = reading.person
        classifier_tier = int(model.tiers(person[None, :])[0])
        evidence.append(Evidence("classifier", "person", classifier_tier, source=classifier.VERSION,
                                 score=round(float(person[1]), 6)))
        steps.append(Step("crisis.classifier", classifier.VERSION,
                          {"texts": len(trends.get("p_ideation", [])), "ideation_threshold": model.ideation_threshold},
                          {"p_at_least": [round(float(v), 6) for v in person], "tier": classifier_tier}))
    words = sum(len(t.split()) for _, t in history) + len(text.split())
    fused = fusion.fuse(message_rules, [a for _, a in history_rules], classifier_tier, 1 + len(history), words,
                        trends, message_tier, message_share)
    for name, e in fused.escalations.items():
        steps.append(Step(f"crisis.escalation.{name}", fusion.ESCALATION,
                          {"series": trends[name], "window": fusion.ESCALATION_WINDOW,
                           "min_rise": fusion.ESCALATION_MIN_RISE[name],
                           "min_steps_up": fusion.ESCALATION_MIN_STEPS_UP},
                          {"slope": e.slope, "rise": e.rise, "steps_up": e.steps_up, "escalating": e.escalating}))
        if e.escalating:
            evidence.append(Evidence("escalation", "person", min(fused.tier, 2), kind=name, source=fusion.ESCALATION,
                                     score=round(e.rise, 6)))
    steps.append(Step("crisis.fusion", fusion.VERSION,
                      {"message_rule_tier": message_rules.tier, "rule_tier": fused.rule_tier,
                       "message_share": None if message_share is None else round(message_share, 6),
                       "rule_veto_share": fusion.RULE_VETO_SHARE, "rules_vetoed": fused.rules_vetoed,
                       "message_tier": fused.message_tier,
                       "classifier_tier": fused.classifier_tier, "classifier_cap": fused.classifier_cap,
                       "escalating": fused.escalating}, fused.tier))
    concern_other = message_rules.concern_other
    response = policy.respond(fused.tier, concern_other, language, locale)
    if response is not None:
        steps.append(Step("crisis.response", POLICY,
                          {"tier": fused.tier, "concern_other": concern_other, "locale": locale, "language": language},
                          {"template_id": response.template_id, "region": response.region}))
    return Decision(fused.tier, fused.degraded, concern_other, evidence, steps, response, trends.get("p_ideation", []))
