"""The VerificationCoordinator: fans a request out to the modules, verifies, and writes the audit entry."""

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict, Field
from ray import serve
from ray.serve.handle import DeploymentHandle

from actors.api import AnalysisResult
from actors.logs import configure_logging
from actors.messages import CrisisResult, ModuleRequest, ModuleResult, TraceStep
from actors.requests import ANALYSIS_MODULES, AnalysisModule, AnalyzeRequest
from actors.results import assess_crisis, cause, contain, last_resort
from actors.settings import Settings
from actors.stores.answers import AnswerMemory
from actors.stores.audit import AuditLog
from actors.stores.connection import connect
from actors.stores.review import ReviewQueue
from actors.verification import VerificationReport, analysis_of
from redheart_models import language, verification
from redheart_models.crisis import rules
from redheart_models.crisis.tiers import RESPONSE_TIER
from redheart_models.loading import ModelUnavailable
from redheart_models.verification import memory
from redheart_models.verification.config import thresholds

log = structlog.get_logger("redheart.coordinator")
NEEDS: dict[str, tuple[AnalysisModule, ...]] = {"ethics": ("emotion",), "surd": ("emotion",)}  # run for them too


class CoordinatorConfig(BaseModel):
    """The coordinator's `user_config` in ray_config.yaml."""

    model_config = ConfigDict(extra="forbid")

    module_timeouts_s: dict[AnalysisModule, float] = Field(default_factory=dict)
    audit_timeout_s: float = Field(default=5.0, gt=0)
    readiness_timeout_s: float = Field(default=2.0, gt=0)


def _elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


@serve.deployment
class VerificationCoordinator:
    """Runs one analysis: language, module fan-out with per-module deadlines, verification, audit.

    The encoder is not an analysis step of its own: the modules that need embeddings call it.
    """

    # Crisis answers first and fast (its rule engine needs no model); SURD on long histories takes longest. A module's
    # deadline starts when what it needs has answered.
    DEFAULT_TIMEOUTS_S: dict[str, float] = {"crisis": 2.0, "emotion": 5.0, "ethics": 5.0, "surd": 10.0}

    def __init__(
        self,
        encoder: DeploymentHandle,
        crisis: DeploymentHandle,
        emotion: DeploymentHandle,
        ethics: DeploymentHandle,
        surd: DeploymentHandle,
        settings: Settings,
        redis_url: str,
    ) -> None:
        configure_logging(settings.log_level)
        self.modules: dict[str, DeploymentHandle] = {
            "encoder": encoder, "crisis": crisis, "emotion": emotion, "ethics": ethics, "surd": surd,
        }
        self.redis = connect(redis_url)
        self.audit = AuditLog(self.redis, settings.audit_maxlen, settings.audit_include_text)
        self.reviews = ReviewQueue(self.redis)
        self.answers = AnswerMemory(self.redis, int(thresholds()["memory_ttl_days"] * 86_400))
        rules.assess("warm up")  # loads the Korean analyser now, so the crisis fallback below answers at once
        self.reconfigure({})

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        self.config = CoordinatorConfig.model_validate(user_config)
        self.timeouts_s = {**self.DEFAULT_TIMEOUTS_S, **self.config.module_timeouts_s}

    async def analyze(self, request: AnalyzeRequest, request_id: str | None = None) -> AnalysisResult:
        request_id = request_id or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        start = time.perf_counter()
        guess = language.detect_language(request.text)
        lang = guess.language if request.language == "auto" else request.language
        steps = [
            TraceStep(
                id="language",
                name=language.FORMULA if request.language == "auto" else "language.given@1",
                inputs={"hangul_letters": guess.hangul_letters, "letters": guess.letters, "given": request.language},
                output=lang,
            )
        ]
        module_request = ModuleRequest(
            request_id=request_id,
            text=request.text,
            language=lang,
            alternatives=request.alternatives,
            history=request.history,
            locale=request.locale,
            timestamp=request.timestamp,
        )
        requested = set(request.modules or ANALYSIS_MODULES) | {"crisis"}
        runs = {m for m in requested if m != "surd" or request.history}  # SURD decomposes a conversation
        needed = requested | {upstream for m in runs for upstream in NEEDS.get(m, ())}
        problems: dict[str, list[str]] = {}  # module -> what was wrong with the answer it withheld
        task = lambda name, call: asyncio.create_task(_contained(name, call, problems))  # noqa: E731
        calls = {name: task(name, self._run(name, module_request, needed)) for name in ("crisis", "emotion")}
        calls["ethics"] = task("ethics", self._ethics(module_request, needed, calls["emotion"]))
        calls["surd"] = task("surd", self._surd(module_request, needed, calls["emotion"], calls["crisis"]))
        results = dict(zip(calls, await asyncio.gather(*calls.values())))
        if not isinstance(results["crisis"], CrisisResult):  # the Crisis deployment failed, was late or is withheld
            reason = f"crisis module {results['crisis'].status}: {results['crisis'].detail}; rules only"
            results["crisis"] = await asyncio.to_thread(_crisis_fallback, module_request, reason)

        verify_start = time.perf_counter()
        report, remember = await self._verify(request, lang, results, requested, problems)
        verify_ms = _elapsed_ms(verify_start)
        result = AnalysisResult(
            request_id=request_id,
            language=lang,
            created_at=datetime.now(UTC),
            **results,
            verification=VerificationReport.of(report),
            trace=steps,
            versions={name: r.version for name, r in results.items()},
            timings_ms={**{name: r.latency_ms for name, r in results.items()}, "verification": verify_ms,
                        "analysis": _elapsed_ms(start)},
        )
        audit_start = time.perf_counter()  # the review item (tier >= 2) is written alongside, linked by request id
        review = self._enqueue_review(result, request.text) if result.crisis.tier >= RESPONSE_TIER else _none()
        result.audit_id, result.crisis.review_id, _ = await asyncio.gather(
            self._write_audit(result, request.text), review, remember)
        result.timings_ms["audit"] = _elapsed_ms(audit_start)
        result.timings_ms["total"] = _elapsed_ms(start)
        log.info("analysis", language=lang, decision=report.decision, audit_id=result.audit_id,
                 statuses={m: results[m].status for m in ANALYSIS_MODULES if m in requested})
        structlog.contextvars.unbind_contextvars("request_id")
        return result

    async def _verify(self, request: AnalyzeRequest, lang: str, results: dict[str, ModuleResult], requested: set[str],
                      problems: dict[str, list[str]]) -> tuple[verification.Report, Any]:
        """The five layers over the requested modules' answers, the answer memory recalled for this input; the
        ungrounded items are dropped from `results`. Returns the report and the coroutine that remembers this
        answer (run with the audit write)."""
        analysis = analysis_of(request, lang, {m: r.model_dump(mode="json") for m, r in results.items()}, problems)
        keys = memory.input_key(analysis, sorted(requested)), memory.near_key(analysis, sorted(requested))
        report = verification.verify(analysis, await self._recall(analysis, *keys))
        for path, items in report.ungrounded.items():
            _drop(results, path, items)
        trusted = not report.flagged and not results["crisis"].degraded  # what a repeat is compared with
        return report, self._remember(analysis, *keys) if trusted else _none()

    async def _ethics(self, request: ModuleRequest, needed: set[str], emotion: asyncio.Task) -> ModuleResult:
        """Ethics weighs the emotion module's readings: it starts when Emotion has answered and is handed that
        answer, whatever its status, so the emotions are computed once."""
        return await self._run("ethics", request, needed, await emotion if "ethics" in needed else None)

    async def _surd(self, request: ModuleRequest, needed: set[str], emotion: asyncio.Task,
                    crisis: asyncio.Task) -> ModuleResult:
        """SURD of a conversation decomposes the emotion module's trajectory (and the crisis classifier's risk
        series): it starts when both have answered."""
        if "surd" in needed and request.history:
            trajectory, risk = getattr(await emotion, "trajectory", None), getattr(await crisis, "risk_series", None)
            return await self._run("surd", request, needed, trajectory, risk or None)
        return await self._run("surd", request, needed)

    async def _run(self, name: str, request: ModuleRequest, needed: set[str], *extra: Any) -> ModuleResult:
        """One module call under its deadline. A failure or timeout becomes a status, never an exception."""
        if name not in needed:
            return ModuleResult(module=name, version="n/a", status="skipped", detail="not requested")
        if name == "surd" and not request.history:
            return ModuleResult(module=name, version="n/a", status="skipped", detail="needs a conversation history")
        start = time.perf_counter()
        timeout = self.timeouts_s[name]
        response = self.modules[name].analyze.remote(request, *extra)
        try:
            result: ModuleResult = await asyncio.wait_for(_resolve(response), timeout)
        except TimeoutError:
            response.cancel()
            log.warning("module_timeout", module=name, timeout_s=timeout)
            return ModuleResult(
                module=name, version="unknown", status="timeout", detail=f"no answer within {timeout:g} s",
                latency_ms=_elapsed_ms(start),
            )
        except Exception as exc:  # noqa: BLE001 - any module failure must be contained here
            error = type(cause(exc)).__name__
            log.error("module_failed", module=name, error=error)
            return ModuleResult(
                module=name, version="unknown", status="failed", detail=f"module raised {error}",
                latency_ms=_elapsed_ms(start),
            )
        return result.model_copy(update={"latency_ms": _elapsed_ms(start)})

    async def _write_audit(self, result: AnalysisResult, text: str) -> str | None:
        """Persist before answering; if Redis is down the analysis is still returned, with `audit_id` null."""
        try:
            return await asyncio.wait_for(self.audit.append(result, text), self.config.audit_timeout_s)
        except Exception as exc:  # noqa: BLE001 - the answer (a crisis response above all) outranks the log
            log.error("audit_write_failed", error=type(exc).__name__)
            result.verification.disclaimers.append("This analysis could not be recorded in the audit log.")
            return None

    async def _recall(self, analysis: verification.Analysis, key: str, near_key: str) -> list[verification.Finding] | None:
        """The answer memory's findings on this input; None (not consulted) when Redis does not answer in time."""
        try:
            remembered, near = await asyncio.wait_for(self.answers.recall(key, near_key), self.config.audit_timeout_s)
        except Exception as exc:  # noqa: BLE001 - verification goes on without the memory
            log.warning("answer_memory_unavailable", error=type(exc).__name__)
            return None
        tolerance = thresholds()["tolerance"]["near" if near else "repeat"]
        return memory.compare(remembered, analysis, tolerance, near)

    async def _remember(self, analysis: verification.Analysis, key: str, near_key: str) -> None:
        try:
            await asyncio.wait_for(self.answers.remember(key, near_key, memory.fingerprint(analysis)),
                                   self.config.audit_timeout_s)
        except Exception as exc:  # noqa: BLE001 - the answer outranks the memory
            log.warning("answer_memory_write_failed", error=type(exc).__name__)

    async def _enqueue_review(self, result: AnalysisResult, text: str) -> str | None:
        """A human reviews every tier >= 2 answer; if the queue cannot be written the answer still goes out."""
        c = result.crisis
        try:
            evidence = [e.model_dump(mode="json", exclude_none=True) for e in c.evidence]
            return await asyncio.wait_for(
                self.reviews.enqueue(result.request_id, c.tier, c.urgent, text, result.language, evidence),
                self.config.audit_timeout_s,
            )
        except Exception as exc:  # noqa: BLE001 - the crisis response outranks the queue
            log.error("review_enqueue_failed", error=type(exc).__name__, tier=c.tier)
            result.verification.disclaimers.append("This crisis answer could not be queued for human review.")
            return None

    async def claim_reviews(self, reviewer: str, count: int, stale_ms: int) -> list[dict[str, Any]]:
        return [{"id": item.id, **item.fields} for item in await self.reviews.claim(reviewer, count, stale_ms)]

    async def ack_review(self, item_id: str) -> bool:
        return await self.reviews.ack(item_id)

    async def review_status(self) -> dict[str, Any]:
        return await self.reviews.pending()

    async def ready(self) -> dict[str, Any]:
        """Readiness of Redis and of every module deployment (`checks`), and why a module can never become ready
        (`problems`: its models cannot be loaded), so a starting service stops with the reason."""
        timeout = self.config.readiness_timeout_s
        checks = {"redis": _check(self.redis.ping(), timeout)}
        checks |= {name: _check(_resolve(h.ping.remote()), timeout) for name, h in self.modules.items()}
        answers = dict(zip(checks, await asyncio.gather(*checks.values())))
        return {"checks": {name: ok is True for name, ok in answers.items()},
                "problems": {name: str(ok) for name, ok in answers.items() if isinstance(ok, ModelUnavailable)}}


async def _contained(name: str, call: Any, problems: dict[str, list[str]]) -> ModuleResult:
    """A module's answer, contained (results.contain): an invalid one is withheld, so no module that reads it
    (Ethics reads Emotion's) and no client sees it, and what was wrong is kept in `problems`."""
    result, found = contain(name, await call)
    if found:
        problems[name] = found
    return result


def _crisis_fallback(request: ModuleRequest, reason: str) -> CrisisResult:
    """The coordinator's own crisis answer (the rules, in this process); if even they raise, the last resort."""
    try:
        return assess_crisis(request, degraded_reason=reason)
    except Exception as exc:  # noqa: BLE001 - a person at risk must still get the crisis lines
        log.error("crisis_rules_failed", error=type(exc).__name__)
        return last_resort(request, f"{reason}; the rules raised {type(exc).__name__}")


def _drop(results: dict[str, ModuleResult], path: str, indices: list[int]) -> None:
    """Remove the items at `indices` of the list at `path` (`module.field[.field]`) of the module results."""
    module, *fields = path.split(".")
    owner = results[module]
    for name in fields[:-1]:
        owner = getattr(owner, name)
    setattr(owner, fields[-1], [item for i, item in enumerate(getattr(owner, fields[-1])) if i not in set(indices)])


async def _none() -> None:
    return None


async def _resolve(awaitable: Any) -> Any:
    return await awaitable


async def _check(awaitable: Any, timeout: float) -> bool | ModelUnavailable:
    """True when ready; the cause when the models can never load; else False (not yet)."""
    try:
        return bool(await asyncio.wait_for(awaitable, timeout))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        reason = cause(exc)
        return reason if isinstance(reason, ModelUnavailable) else False
