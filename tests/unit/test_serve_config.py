"""ray_config.yaml and the application builder must agree, and the app must fit on 2 cores."""

import pytest
from pydantic import ValidationError

from actors.coordinator import CoordinatorConfig, VerificationCoordinator
from actors.settings import Settings
from cluster.serve_config import builder, deployment_options, load_serve_config
from redheart_models.release import released_config
from services.app import DEPLOYMENTS, EXPERT, AppArgs, build_app, expert_name

MACHINE_CPUS = 2


@pytest.fixture(scope="module")
def app_config():
    (app,) = load_serve_config(Settings().serve_config).applications
    return app


def test_every_deployment_in_the_file_exists_in_the_app_and_back(app_config) -> None:
    assert all(name in DEPLOYMENTS or EXPERT.match(name) for name in deployment_options(app_config))
    built = build_app({"redis_url": "redis://unused:1", "deployments": deployment_options(app_config)})
    names = set()
    stack = [built]
    while stack:
        node = stack.pop()
        names.add(node._bound_deployment.name)
        args = [*node._bound_deployment.init_args, *node._bound_deployment.init_kwargs.values()]
        args += [item for arg in args if isinstance(arg, list) for item in arg]  # the Emotion's experts
        stack.extend(arg for arg in args if type(arg) is type(node))
    experts = released_config("emotion")[1]["experts"]  # one Expert deployment per expert of the weights
    assert names == {*DEPLOYMENTS, *map(expert_name, range(experts))} == set(deployment_options(app_config))
    assert builder(app_config) is build_app


def test_resources_are_fractional_and_fit_two_cores(app_config) -> None:
    total = 0.0
    for name, options in deployment_options(app_config).items():
        actor = options["ray_actor_options"]
        assert 0 < actor["num_cpus"] < 1, name
        assert "num_gpus" in actor, f"{name}: set num_gpus with num_cpus (the dict is replaced whole)"
        assert options["max_ongoing_requests"] >= 64, f"{name}: Serve's default of 5 throttles fan-in"
        replicas = options.get("num_replicas") or options["autoscaling_config"]["max_replicas"]
        total += actor["num_cpus"] * replicas
    assert total <= MACHINE_CPUS / 2, "leave half the machine for Ray Train and the tests"


def test_coordinator_user_config_is_valid_and_complete(app_config) -> None:
    user_config = deployment_options(app_config)["VerificationCoordinator"]["user_config"]
    config = CoordinatorConfig.model_validate(user_config)
    assert set(config.module_timeouts_s) == set(VerificationCoordinator.func_or_class.DEFAULT_TIMEOUTS_S)
    with pytest.raises(ValidationError):
        CoordinatorConfig.model_validate({**user_config, "module_timeout": 1})


def test_unknown_deployment_in_args_is_rejected() -> None:
    with pytest.raises(ValidationError, match="Emotoin"):
        AppArgs(deployments={"Emotoin": {}})
    with pytest.raises(ValidationError, match="Expert01"):
        AppArgs(deployments={"Expert12": {}, "Expert01": {}})


def test_experts_without_options_of_their_own_take_expert0s() -> None:
    options = {"ray_actor_options": {"num_cpus": 0.05, "num_gpus": 0}}
    emotion = {"user_config": {"weights": "emotion-moe"}}
    built = build_app({"redis_url": "redis://unused:1", "deployments": {"Expert0": options, "Emotion": emotion}})
    stack, experts = [built], {}
    while stack:
        node = stack.pop()
        deployment = node._bound_deployment
        if deployment.name.startswith("Expert"):
            experts[deployment.name] = deployment.ray_actor_options["num_cpus"]
        args = [*deployment.init_args, *deployment.init_kwargs.values()]
        stack.extend(a for arg in args for a in (arg if isinstance(arg, list) else [arg]) if type(a) is type(node))
    assert experts == {expert_name(e): 0.05 for e in range(released_config("emotion-moe")[1]["experts"])}
