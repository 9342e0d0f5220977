"""The HTTP ingress: JSON API (OpenAPI at /docs), health and readiness, and the web page at /."""

import re
import uuid
from importlib import resources
from typing import Literal

import structlog
from fastapi import FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from ray import serve
from ray.serve.handle import DeploymentHandle

from actors.api import AnalysisResult, ExperienceSurd, FeedbackResponse
from actors.logs import configure_logging
from actors.messages import SurdResponse
from actors.requests import REQUEST_ID_PATTERN, AnalyzeRequest, FeedbackRequest, ReviewClaim, SurdRequest
from actors.results import cause
from actors.settings import Settings
from redheart_models.surd import SurdInputError, check_series
from services.errors import describe_errors

log = structlog.get_logger("redheart.ingress")
REQUEST_ID = re.compile(REQUEST_ID_PATTERN)

api = FastAPI(
    title="Red Heart",
    version="0.1.0",
    description="Transparent ethics-and-emotion analysis for English and Korean text. Every number is traced.",
)


@api.exception_handler(RequestValidationError)
async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(status_code=422, content={"error": "invalid request", "detail": describe_errors(exc.errors())})


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a sane token, else a fresh one."""
    return header if header and REQUEST_ID.match(header) else uuid.uuid4().hex


@serve.deployment
@serve.ingress(api)
class Ingress:
    def __init__(self, coordinator: DeploymentHandle, surd: DeploymentHandle, ethics: DeploymentHandle,
                 settings: Settings) -> None:
        configure_logging(settings.log_level)
        self.coordinator = coordinator
        self.surd = surd
        self.ethics = ethics

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page(self) -> str:
        return resources.files("services").joinpath("static/index.html").read_text(encoding="utf-8")

    @api.get("/healthz")
    async def healthz(self) -> dict[str, str]:
        """The process answers (liveness)."""
        return {"status": "ok"}

    @api.get("/readyz")
    async def readyz(self) -> JSONResponse:
        """Ray, Redis and every deployment answer (readiness); `problems` names a module whose models cannot load."""
        try:
            report = await self.coordinator.ready.remote()
        except Exception:  # noqa: BLE001 - an unreachable coordinator means "not ready", not a 500
            report = {"checks": {"coordinator": False}, "problems": {}}
        checks = {"ray": True, **report["checks"]}
        ready = all(checks.values())
        content = {"ready": ready, "checks": checks} | ({"problems": report["problems"]} if report["problems"] else {})
        return JSONResponse(status_code=200 if ready else 503, content=content)

    @api.post("/v1/analyze", response_model=AnalysisResult)
    async def analyze(
        self, request: AnalyzeRequest, x_request_id: str | None = Header(default=None)
    ) -> JSONResponse:
        """Analyse one text (with optional alternatives and history)."""
        request_id = request_id_from(x_request_id)  # Serve's proxy sets and echoes X-Request-ID itself
        try:
            result: AnalysisResult = await self.coordinator.analyze.remote(request, request_id)
        except Exception as exc:  # noqa: BLE001 - answer with the id so the caller can retry or report
            log.error("coordinator_failed", request_id=request_id, error=type(exc).__name__)
            content = {"error": "analysis unavailable, retry later", "request_id": request_id}
            return JSONResponse(status_code=503, content=content)
        return JSONResponse(content=result.model_dump(mode="json"))

    @api.post("/v1/surd", response_model=SurdResponse)
    async def decompose(self, request: SurdRequest) -> JSONResponse:
        """SURD causal decomposition of your own series: which agents drive the target's next state, and how."""
        try:  # cheap checks here, so bad series are a 422 naming the field, not a failed computation
            check_series(request.target, request.agents, request.lag, request.bins, request.max_combs)
        except SurdInputError as exc:
            detail = [{"field": exc.field, "message": str(exc), "type": "surd_input"}]
            return JSONResponse(status_code=422, content={"error": "invalid request", "detail": detail})
        result: SurdResponse = await self.surd.decompose.remote(request)
        return JSONResponse(content=result.model_dump(mode="json"))

    @api.get("/v1/surd/experience", response_model=ExperienceSurd)
    async def experience(self, target: Literal["verdict", "regret"] = Query(default="verdict")) -> JSONResponse:
        """Which Bentham dimensions drive the verdict (U_B) or the regret people reported, across stored analyses."""
        result: ExperienceSurd = await self.surd.experience.remote(target)
        return JSONResponse(content=result.model_dump(mode="json"))

    @api.post("/v1/feedback", response_model=FeedbackResponse)
    async def feedback(self, request: FeedbackRequest) -> JSONResponse:
        """Report the regret felt after choosing one alternative of an earlier analysis (by its request id)."""
        try:
            result: FeedbackResponse = await self.ethics.feedback.remote(request)
        except Exception as exc:  # noqa: BLE001 - Ray wraps the store's errors; unwrap to answer precisely
            error = cause(exc)
            if isinstance(error, IndexError):  # the chosen alternative does not exist
                detail = [{"field": "chosen", "message": f"chosen: {error}", "type": "chosen_out_of_range"}]
                return JSONResponse(status_code=422, content={"error": "invalid request", "detail": detail})
            if isinstance(error, LookupError):  # no regret analysis is stored for the request id
                return JSONResponse(status_code=404, content={"error": str(error).strip("'\""), "field": "request_id"})
            log.error("feedback_failed", error=type(error).__name__)
            return JSONResponse(status_code=503, content={"error": "feedback unavailable, retry later"})
        return JSONResponse(content=result.model_dump(mode="json"))

    @api.get("/v1/admin/reviews")
    async def review_status(self) -> dict:
        """Crisis review queue: items waiting for acknowledgement, by reviewer."""
        return await self.coordinator.review_status.remote()

    @api.post("/v1/admin/reviews/claim")
    async def claim_reviews(self, claim: ReviewClaim) -> dict:
        """Take crisis items to review: others' stale items, your unacknowledged ones, then new ones; urgent first."""
        items = await self.coordinator.claim_reviews.remote(claim.reviewer, claim.count, claim.stale_ms)
        return {"items": items}

    @api.post("/v1/admin/reviews/{item_id}/ack")
    async def ack_review(self, item_id: str = Path(pattern=r"^\d{1,20}-\d{1,20}$")) -> JSONResponse:
        """Mark a crisis item reviewed; 404 if it is not pending."""
        if not await self.coordinator.ack_review.remote(item_id):
            return JSONResponse(status_code=404, content={"error": f"review item {item_id} is not pending"})
        return JSONResponse(content={"acknowledged": item_id})
