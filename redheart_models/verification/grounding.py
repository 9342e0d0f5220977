"""L3 evidence grounding: every answer is bound to this text, and every explanation item points to the input (a
span where the rules or patterns it names find it again), to a curated entry with its source, or to the trace.
Ungrounded items are named by their position so the coordinator drops them; the crisis response must be the
curated one for its tier; a SURD answer must be what the emotion answer's trajectory (and the crisis answer's risk
series) decompose into."""

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from redheart_models import surd_analyses
from redheart_models.crisis import policy, rules
from redheart_models.ethics import features, legal
from redheart_models.trace import text_digest
from redheart_models.verification.analysis import Analysis
from redheart_models.verification.config import thresholds
from redheart_models.verification.findings import Finding, LayerVerdict, verdict
from redheart_models.verification.replay import close, differences

SURD_FIELDS = ("target", "agents", "samples", "lag", "bins", "redundant", "unique", "synergistic", "mutual_info",
               "info_leak", "target_entropy")
SURD_HEADLINE = ("redundant", "unique", "synergistic", "info_leak")  # the answer's own fields: its first decomposition


@dataclass(frozen=True)
class Grounding:
    """L3's verdict and, per list of the answer, the indices of the items to drop."""

    verdict: LayerVerdict
    ungrounded: dict[str, list[int]] = field(default_factory=dict)  # `crisis.evidence` -> indices to drop


@cache
def _expressions() -> dict[str, dict[str, Any]]:
    data = rules.load_expressions()
    return {rule["id"]: {**rule, "source_text": data["sources"][rule["source"]]}
            for rule in (*data["english"], *data["korean"])}


def rule_replay(crisis: dict[str, Any], analysis: Analysis) -> tuple[dict[int, str], list[str]]:
    """The rules run again on the texts the rule evidence names: ({index: why} of the rule items they do not find
    again, what the answer as a whole misstates: hits of the message it does not name, a rules step that is not
    what the rules read)."""
    assessed: dict[str, rules.RuleAssessment | None] = {}

    def hits(where: str) -> set | None:
        if where not in assessed:
            text = analysis.source(where)
            assessed[where] = None if text is None else rules.assess(text)
        found = assessed[where]
        return None if found is None else {(h.rule, h.effective_tier, h.status, (h.start, h.end)) for h in found.hits}

    bad, named, items = {}, set(), [e for e in crisis.get("evidence", []) if e.get("signal") == "rule"]
    for i, item in enumerate(crisis.get("evidence", [])):
        if item.get("signal") != "rule":
            continue
        rule = _expressions().get(item.get("rule") or "")
        key = (item.get("rule"), item.get("tier"), item.get("status"), tuple(item.get("span") or ()))
        named |= {key} if item.get("where") == "text" else set()
        if rule is None:
            bad[i] = f"names no curated expression ({item.get('rule')!r})"
        elif item.get("source") != rule["source_text"]:
            bad[i] = f"{rule['id']}: its source is not the expression's"
        elif hits(item.get("where", "")) is None or key not in hits(item["where"]):
            bad[i] = f"{rule['id']}: the rules do not find it in {item.get('where')} at {key[3]}"
    misstated = []
    unnamed = len(hits("text") - named)
    if unnamed:
        misstated.append(f"the rules find {unnamed} hit(s) in the text that the answer does not name")
    step = next((s["output"] for s in crisis.get("trace", []) if s["id"] == "crisis.rules"), {})
    message = assessed["text"]
    if (step.get("message_tier"), step.get("neutralised"), step.get("hits")) != (
            message.tier, message.neutralised, len(items)):
        misstated.append("the rules step is not what the rules read in the text")
    return bad, misstated


def model_evidence(item: dict[str, Any], crisis: dict[str, Any]) -> str | None:
    """A model's evidence item names a step of the crisis trace and carries that step's score."""
    if item.get("where") not in ("text", "person") and not str(item.get("where", "")).startswith("history."):
        return f"{item.get('signal')}: names no input ({item.get('where')!r})"
    if item.get("source") not in {s["name"] for s in crisis.get("trace", [])}:
        return f"{item.get('signal')}: its model {item.get('source')!r} is not in the trace"
    return None


def crisis_response(crisis: dict[str, Any], analysis: Analysis) -> str | None:
    """The response is the curated one for the tier, the language and the locale; None when it is."""
    expected = policy.respond(crisis["tier"], crisis["concern_other"], analysis.language, analysis.locale)
    given = crisis.get("response")
    if expected is None:
        return None if given is None else f"a response ({given.get('template_id')}) where the tier needs none"
    if given is None:
        return f"tier {crisis['tier']} needs the {expected.template_id} response and has none"
    resources = [vars(r) for r in expected.resources]
    if (given.get("template_id"), given.get("text"), given.get("region"), given.get("resources")) != (
            expected.template_id, expected.text, expected.region, resources):
        return "the response is not the curated text and resources for its tier and locale"
    return None


def legal_hits(ethics: dict[str, Any], analysis: Analysis) -> list[int]:
    """Indices of legal hits that a scan of the text does not find (pattern, statute and span)."""
    found = {(h.domain, h.pattern, h.statute, tuple(h.span)) for h in legal.scan(analysis.text, analysis.language)}
    return [i for i, h in enumerate(ethics["legal"]["hits"])
            if (h.get("domain"), h.get("pattern"), h.get("statute"), tuple(h.get("span") or ())) not in found]


def sentence_spans(emotion: dict[str, Any], analysis: Analysis) -> tuple[list[int], int]:
    """(indices of the emotion module's sentences that are not sentences of the text, how many of the text's
    sentences it does not read); the split is the one every module uses."""
    split = {tuple(span) for span in features.split_sentences(analysis.text, analysis.language)}
    spans = [tuple(s.get("span") or ()) for s in emotion.get("sentences", [])]
    return [i for i, span in enumerate(spans) if span not in split], len(split - set(spans))


def text_features(ethics: dict[str, Any], analysis: Analysis, tolerance: float) -> str | None:
    """The ethics answer read this text: its features recompute from it, and it weighed this text's sentences."""
    steps = {s["id"]: s for s in ethics.get("trace", [])}
    read = features.extract(analysis.text, analysis.language)
    if "ethics.features" not in steps or not close(read.summary(), steps["ethics.features"]["output"], tolerance):
        return "its text features are not this text's"
    mentions = steps.get("ethics.mentions", {}).get("inputs", {}).get("sentences")
    if mentions is not None and [tuple(m) for m in mentions] != [tuple(s) for s in read.sentences]:
        return "the sentences it weighed are not this text's"
    return None


def alternatives(ethics: dict[str, Any], analysis: Analysis) -> str | None:
    """The regret entries are the request's alternatives, in order (or, taken from the text, parts of it)."""
    named = [r.get("alternative") for r in ethics.get("regret", [])]
    if ethics.get("alternatives_from") == "text":
        return None if all(isinstance(a, str) and a in analysis.text for a in named) else \
            "an alternative taken from the text is not in it"
    return None if named == analysis.alternatives else "the alternatives weighed are not the request's"


FIRST_STEP = {"crisis": "crisis.rules", "emotion": "emotion.gate", "ethics": "ethics.embed"}  # records the text read


def provenance(module: str, section: dict[str, Any], analysis: Analysis) -> str | None:
    """The module's answer is bound to this text: its first trace step records the text's digest."""
    step = next((s for s in section.get("trace", []) if s["id"] == FIRST_STEP[module]), None)
    digest = (step or {}).get("inputs", {}).get("text_sha256")
    if digest is None:
        return "the answer does not say which text it read"
    return None if digest == text_digest(analysis.text) else "the answer is about another text"


def surd_replay(surd: dict[str, Any], analysis: Analysis, tolerance: float) -> str | None:
    """Why the SURD answer is not the decomposition of the series it names (SURD run again on the emotion answer's
    trajectory and the crisis answer's risk series), or None."""
    trajectory = (analysis.answered("emotion") or {}).get("trajectory")
    if trajectory is None:
        return "there is no emotion trajectory for it to decompose"
    risk = (analysis.answered("crisis") or {}).get("risk_series") or None
    found = surd_analyses.conversation({c: ch["values"] for c, ch in trajectory["channels"].items()},
                                       trajectory["where"], risk)
    if found.skipped:
        return f"the emotion trajectory gives none: {found.skipped}"
    answered = [{k: d.get(k) for k in SURD_FIELDS} for d in surd.get("decompositions", [])]
    recomputed = [{k: d[k] for k in SURD_FIELDS} for d in found.decompositions]
    headline = {k: surd.get(k) for k in SURD_HEADLINE}, {k: recomputed[0][k] for k in SURD_HEADLINE}
    wrong = differences(answered, recomputed, tolerance, "decompositions") + differences(*headline, tolerance)
    return f"it is not what the emotion trajectory decomposes into ({', '.join(wrong[:3])})" if wrong else None


def grounding_layer(analysis: Analysis) -> Grounding:
    """L3 over the crisis, ethics, emotion and SURD answers."""
    tolerance = thresholds()["tolerance"]["derived"]
    checks, findings, ungrounded = 0, [], {}
    crisis, emotion, ethics = (analysis.answered(m) for m in ("crisis", "emotion", "ethics"))
    for module in FIRST_STEP:
        if analysis.answered(module) is not None:
            checks += 1
            why = provenance(module, analysis.sections[module], analysis)
            if why:
                findings.append(Finding("provenance", f"{module}: {why}", "review"))
    if crisis is not None:
        bad, misstated = rule_replay(crisis, analysis)
        for i, item in enumerate(crisis.get("evidence", [])):
            checks += 1
            why = bad.get(i) or (model_evidence(item, crisis) if item.get("signal") in ("message_model", "classifier")
                                 else None)
            if why:
                bad[i] = why
                findings.append(Finding("ungrounded_evidence", f"crisis.evidence.{i} {why} (dropped)"))
        ungrounded["crisis.evidence"] = sorted(bad)
        checks += 3
        findings += [Finding("crisis_rules", why, "review") for why in misstated]
        why = crisis_response(crisis, analysis)
        if why:
            findings.append(Finding("crisis_response", why, "review"))
    if ethics is not None:
        checks += 2 + len(ethics["legal"]["hits"])
        ungrounded["ethics.legal.hits"] = legal_hits(ethics, analysis)
        findings += [Finding("ungrounded_evidence", f"ethics.legal.hits.{i} is not found in the text (dropped)")
                     for i in ungrounded["ethics.legal.hits"]]
        for why in (alternatives(ethics, analysis), text_features(ethics, analysis, tolerance)):
            if why:
                findings.append(Finding("ethics_input", why, "review"))
    if emotion is not None:
        bad, unread = sentence_spans(emotion, analysis)
        checks += 1 + len(emotion.get("sentences", []))
        ungrounded["emotion.sentences"] = bad
        findings += [Finding("ungrounded_evidence", f"emotion.sentences.{i} is not a sentence of the text (dropped)")
                     for i in bad]
        if unread:
            findings.append(Finding("emotion_input", f"{unread} sentence(s) of the text are not read", "review"))
    surd = analysis.answered("surd")
    if surd is not None:
        checks += 1
        why = surd_replay(surd, analysis, tolerance)
        if why:
            findings.append(Finding("surd_input", f"surd: {why}", "review"))
    return Grounding(verdict("grounding", checks, findings), {k: v for k, v in ungrounded.items() if v})
