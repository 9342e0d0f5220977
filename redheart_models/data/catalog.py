"""The shared training files Red Heart knows, with their documented row counts and sha256 (from each SOURCE.md).

A training run resolves its files here, so a changed or truncated file is refused before any training starts,
and the model card can name exactly what it was trained on.
"""

from dataclasses import dataclass
from pathlib import Path

from redheart_models.data.base import DataError, sha256_file


@dataclass(frozen=True)
class DataFile:
    path: str  # relative to the data directory
    rows: int
    sha256: str


FILES: dict[str, DataFile] = {
    "goemotions/train": DataFile("goemotions/train.tsv", 43_410, "1c254a142be5c00e80d819b9ae1bbd36d94b2eeb8f4b1271846508d57e57d9c5"),
    "goemotions/dev": DataFile("goemotions/dev.tsv", 5_426, "575489c079c9de1097062a01738f998590d6b7ead66dd1c9fd1d2ba01fd8bc62"),
    "goemotions/ekman": DataFile("goemotions/ekman_mapping.json", 6, "d6b1fea382917c1685c42e1324a0344106be9390f52a3850ce032656d103a328"),
    "kote/val": DataFile("kote/val.tsv", 5_000, "c7d686ee1d63be7f57ec939f372ebdc4ada8eac1c9eeeeac207774976ab69a6e"),
    "vader/amazon": DataFile("vader/amazonReviewSnippets_GroundTruth.txt", 3_708, "11a9807a0974a2506a2d3b4851eaf69b3d6d20688ce4923adda2312a4f6dd6c2"),
    "vader/movie": DataFile("vader/movieReviewSnippets_GroundTruth.txt", 10_605, "c8293b0d942e90e223ea2c0955d969040d1a1be514a978b9af0698940bd13350"),
    "vader/nyt": DataFile("vader/nytEditorialSnippets_GroundTruth.txt", 5_190, "7d8fbcce7dde5d716da53e78f4ef4be6b706e9ef1e1d51887e6d0ad4b69cc27e"),
    "ethics/util": DataFile("ethics/utilitarianism/util_train.csv", 13_738, "7a85de016925918dd2d20001657a1ba685be221488eb2ede67dd544e35a335a3"),
    "ethics/cm": DataFile("ethics/commonsense/cm_test.csv", 3_885, "aa521e2a45f0aa34c9b055d8022012044f705b35767627cf48919a1102b89115"),
    "ethics/deontology": DataFile("ethics/deontology/deontology_train.csv", 18_164, "f8433623e0daa3111818da3f6ea29eb724280f8fd288336806130a752e9eaffd"),
    "ethics/justice": DataFile("ethics/justice/justice_train.csv", 21_791, "d945f01ce0779cc9f41f854878d692bf88e172d8323f617900c125abbd383d47"),
    "ethics/virtue": DataFile("ethics/virtue/virtue_train.csv", 28_245, "b666df098c9d4128fe35cabe800f977648adc5a2fa11c1dd0aaf1300717b93ba"),
    "crisis/cssrs": DataFile("crisis/cssrs_reddit500/train.csv", 375, "e928507543c4322c77c1deecf08cb9139b812cb8d522490c346e56fd6f07db3d"),
    "korean/hate": DataFile("korean_hate_speech/train.tsv", 7_896, "ebebacdcd023af2c4acc8c0a37695fb6433ac04fc009feff8f222724e303a5a9"),
    "korean/kosbi": DataFile("kosbi/kosbi_valid.json", 3_421, "94708ec6593989e1b410a64d0e610967ff3cd8d515964d79560b35c5b2cabee7"),
}


def resolve(data_dir: Path, key: str, verify: bool = True) -> Path:
    """The path of a known file under `data_dir`, refusing a missing or altered one."""
    if key not in FILES:
        raise KeyError(f"unknown data file {key!r}; known: {sorted(FILES)}")
    entry = FILES[key]
    path = Path(data_dir) / entry.path
    if not path.is_file():
        raise DataError(path, f"missing; expected {key} under --data-dir {data_dir}")
    if verify and sha256_file(path) != entry.sha256:
        raise DataError(path, f"sha256 differs from the documented {entry.sha256[:12]}...: the file was changed")
    return path


def texts(data_dir: Path, key: str) -> list[str]:
    """The texts of a known file, as its loader reads them (for embedding)."""
    from redheart_models.data import cssrs, ethics, goemotions, korean, kote, vader

    path = resolve(data_dir, key)
    loaders = {
        "goemotions": goemotions.load,
        "kote": kote.load,
        "vader": vader.load,
        "korean/hate": korean.load_hate_speech,
        "korean/kosbi": korean.load_kosbi,
        "ethics/util": ethics.load_utilitarianism,
        "ethics/cm": lambda p: ethics.load_labelled(p, "commonsense"),
        "ethics/deontology": lambda p: ethics.load_labelled(p, "deontology"),
        "ethics/justice": lambda p: ethics.load_labelled(p, "justice"),
        "ethics/virtue": lambda p: ethics.load_labelled(p, "virtue"),
    }
    if key == "crisis/cssrs":
        return [post for posts in cssrs.load(path).posts for post in posts]
    loader = loaders.get(key) or loaders.get(key.split("/")[0])
    if loader is None or key == "goemotions/ekman":
        raise KeyError(f"{key} holds no texts")
    return loader(path).texts
