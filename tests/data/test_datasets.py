"""Expectations on every shared dataset: format, documented counts, label ranges and diversity, disjoint splits."""

import numpy as np
import pytest

from redheart_models.data import cssrs, ethics, goemotions, korean, kote, vader
from redheart_models.data.base import DataError, check_diversity, connected_components, group_split, split_indices
from redheart_models.data.catalog import FILES, resolve
from redheart_models.training.tasks import TASKS, labelled_splits


@pytest.mark.parametrize("key", sorted(FILES))
def test_every_known_file_is_present_and_unchanged(data_dir, key: str) -> None:
    assert resolve(data_dir, key).is_file()


LOADERS = {
    "goemotions/train": goemotions.load,
    "goemotions/dev": goemotions.load,
    "kote/val": kote.load,
    "vader/amazon": vader.load,
    "vader/movie": vader.load,
    "vader/nyt": vader.load,
    "ethics/cm": lambda p: ethics.load_labelled(p, "commonsense"),
    "ethics/deontology": lambda p: ethics.load_labelled(p, "deontology"),
    "ethics/justice": lambda p: ethics.load_labelled(p, "justice"),
    "ethics/virtue": lambda p: ethics.load_labelled(p, "virtue"),
    "korean/hate": korean.load_hate_speech,
    "korean/kosbi": korean.load_kosbi,
}


@pytest.mark.parametrize("key", sorted(LOADERS))
def test_loads_with_documented_rows_and_varied_labels(data_dir, key: str) -> None:
    data = LOADERS[key](resolve(data_dir, key))
    assert len(data) == FILES[key].rows
    assert all(t.strip() for t in data.texts)
    check_diversity(data.labels, key)


def test_goemotions_labels_and_ekman_mapping(data_dir) -> None:
    train = goemotions.load(resolve(data_dir, "goemotions/train"))
    dev = goemotions.load(resolve(data_dir, "goemotions/dev"))
    assert train.labels.shape == (43_410, 28) and train.labels.sum(axis=0).min() > 0
    assert not set(train.ids) & set(dev.ids), "no comment in both train and dev"
    published = goemotions.load_ekman_mapping(resolve(data_dir, "goemotions/ekman"))
    assert published == goemotions.EKMAN_GROUPS, "the code's copy is the published mapping"
    matrix = goemotions.ekman_matrix(published)
    ekman = goemotions.to_ekman(train.labels, matrix)
    assert ekman.shape == (43_410, 7) and ekman.sum(axis=0).min() > 0
    assert matrix[goemotions.LABELS.index("nervousness"), goemotions.EKMAN.index("fear")] == 1


def test_kote_uses_all_44_labels(data_dir) -> None:
    data = kote.load(resolve(data_dir, "kote/val"))
    assert data.labels.shape == (5_000, 44) and data.labels.sum(axis=0).min() > 0
    assert 5 < data.labels.sum(axis=1).mean() < 12  # ~8 labels per comment, as documented


def test_vader_valence_is_scaled(data_dir) -> None:
    data = vader.load_all(data_dir / "vader")
    assert len(data) == 3_708 + 10_605 + 5_190
    assert -1 <= data.labels.min() < -0.5 and 0.5 < data.labels.max() <= 1


def test_utilitarianism_pairs(data_dir) -> None:
    data = ethics.load_utilitarianism(resolve(data_dir, "ethics/util"))
    assert len(data.labels) == 13_738 and len(data.texts) == 2 * 13_738
    assert data.texts[0] != data.texts[1]


def test_cssrs_levels_match_the_documented_split(data_dir) -> None:
    users = cssrs.load(resolve(data_dir, "crisis/cssrs"))
    counts = dict(zip(cssrs.LEVELS, np.bincount(users.levels, minlength=5)))
    assert counts == {"Supportive": 81, "Indicator": 74, "Ideation": 128, "Behavior": 58, "Attempt": 34}
    assert all(not p.startswith("['") for posts in users.posts for p in posts), "truncated lists parsed"


def test_split_is_deterministic_stratified_and_disjoint() -> None:
    strata = np.repeat([0, 1, 2], [50, 30, 20])
    train, dev = split_indices(100, 0.2, seed=0, strata=strata)
    again = split_indices(100, 0.2, seed=0, strata=strata)
    assert np.array_equal(dev, again[1]) and not set(train) & set(dev)
    assert len(train) + len(dev) == 100
    assert np.bincount(strata[dev]).tolist() == [10, 6, 4]


def test_constant_labels_are_refused() -> None:
    with pytest.raises(DataError, match="label column 1 is constant"):
        check_diversity(np.array([[0, 1], [1, 1], [0, 1]]), "toy")


@pytest.mark.parametrize(
    ("name", "content", "load", "message"),
    [
        ("g.tsv", "fine\t1\tid1\nbad\t28\tid2\n", goemotions.load, "g.tsv:2: label ids must be in 0..27"),
        ("g.tsv", "fine\t1\n", goemotions.load, "g.tsv:1: expected 3 tab-separated columns"),
        ("k.tsv", "1\t좋아요\t4\n2\t\t4\n", kote.load, "k.tsv:2: empty text"),
        ("v.txt", "1_1\t0.4\tok\r\n1_2\t9\ttoo happy", vader.load, "v.txt:2: valence must be in [-4, 4]"),
        ("c.csv", "label,text\n1,x\n", lambda p: ethics.load_labelled(p, "justice"), "c.csv:1: header must be"),
        ("c.csv", "label,scenario\n1,x\n2,y\n", lambda p: ethics.load_labelled(p, "justice"), "c.csv:3: label must"),
        ("u.csv", 'a,b\n"multi\nline",c\nonly\n', ethics.load_utilitarianism, "u.csv:4: expected 2 columns"),
        ("r.csv", "User,Post,Label\nuser-1,\"['x']\",Unknown\n", cssrs.load, "r.csv:2: label must be one of"),
    ],
)
def test_bad_files_name_the_file_and_line(tmp_path, name, content, load, message) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode())
    with pytest.raises(DataError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        load(path)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_task_splits_share_no_text(data_dir, name: str) -> None:
    train, dev = labelled_splits(TASKS[name], data_dir)
    shared = set(train.texts) & set(dev.texts)
    # GoEmotions' official dev split repeats short generic train comments ("Thank you."): left as published
    allowed = 0.01 * len(set(dev.texts)) if name in ("goemotions", "emotion") else 0
    assert len(shared) <= allowed, sorted(shared)[:5]
    assert len(dev) > 0 and len(train) > 4 * len(dev) // 2


def test_group_split_keeps_groups_together() -> None:
    groups = ["a", "b", "a", "c", "d", "b", "e", "f", "g", "h"]
    train, dev = group_split(groups, 0.3, seed=1)
    assert sorted([*train, *dev]) == list(range(10))
    assert not {groups[i] for i in train} & {groups[i] for i in dev}
    assert np.array_equal(dev, group_split(groups, 0.3, seed=1)[1])


def test_pairs_sharing_a_text_form_one_component() -> None:
    assert connected_components([("a", "b"), ("c", "d"), ("b", "e"), ("f", "c")]) == [0, 1, 0, 1]
