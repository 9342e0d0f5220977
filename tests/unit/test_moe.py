"""The mixture of experts: top-k routing, the load-balancing loss, masked multi-task loss, and that it learns."""

import pytest
import torch

from redheart_models.emotion.moe import MixtureOfExperts, MoEConfig, balance_loss


def model(top_k: int = 2, **options) -> MixtureOfExperts:
    torch.manual_seed(0)
    return MixtureOfExperts(MoEConfig(in_dim=8, outputs={"a": 3, "b": 5}, top_k=top_k, hidden=16, **options))


def test_each_input_goes_to_exactly_k_experts_with_weights_summing_to_one() -> None:
    output, loss = model(top_k=2)(torch.randn(32, 8))
    assert loss is None
    assert ((output.routing > 0).sum(dim=1) == 2).all()
    assert torch.allclose(output.routing.sum(dim=1), torch.ones(32))
    assert output.logits["a"].shape == (32, 3) and output.logits["b"].shape == (32, 5)


def test_with_k_equal_to_the_experts_the_mixture_is_the_dense_gate() -> None:
    moe = model(top_k=4)
    output, _ = moe(torch.randn(10, 8))
    assert torch.allclose(output.routing, output.gate)


def test_balance_loss_is_one_when_even_and_grows_when_the_gate_collapses() -> None:
    even = torch.full((8, 4), 0.25)
    assert balance_loss(even, even).item() == pytest.approx(1.0)
    collapsed = torch.tensor([[0.97, 0.01, 0.01, 0.01]] * 8)
    routing = torch.zeros(8, 4)
    routing[:, 0] = 1.0
    assert balance_loss(collapsed, routing).item() == pytest.approx(4 * 0.97)


def test_rows_count_only_for_the_output_layer_they_are_labelled_for() -> None:
    moe = model()
    x = torch.randn(6, 8)
    y = torch.cat([torch.zeros(6, 3), torch.full((6, 5), float("nan"))], dim=1)  # labelled for "a" only
    output, loss = moe(x, y)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(output.logits["a"], torch.zeros(6, 3))
    assert loss.item() == pytest.approx((expected + moe.config.balance_weight * output.balance_loss).item())


def test_the_split_path_gives_the_fused_logits() -> None:
    """What the Emotion deployment does with experts as separate deployments: only the routed experts run."""
    moe = model().eval()
    x = torch.randn(5, 8)
    fused, _ = moe(x)
    _, routing = moe.route(x)
    hidden = torch.zeros(5, 4, 16)
    for e in routing.nonzero()[:, 1].unique().tolist():
        rows = routing[:, e] > 0
        hidden[rows, e] = moe.experts[e](x[rows])
    split = moe.read_out(routing, hidden)
    assert all(torch.allclose(split[k], fused.logits[k], atol=1e-6) for k in split)


def test_it_learns_a_task_whose_clusters_need_different_experts() -> None:
    torch.manual_seed(1)
    centres = torch.randn(4, 8) * 3
    cluster = torch.randint(0, 4, (512,))
    x = centres[cluster] + 0.3 * torch.randn(512, 8)
    y = torch.cat([torch.nn.functional.one_hot(cluster, 4).float()[:, :3],  # label j is "cluster j"
                   torch.full((512, 5), float("nan"))], dim=1)
    moe = model(dropout=0.0)
    optimiser = torch.optim.AdamW(moe.parameters(), lr=1e-2)
    first = moe(x, y)[1].item()
    for _ in range(150):
        optimiser.zero_grad()
        loss = moe(x, y)[1]
        loss.backward()
        optimiser.step()
    assert loss.item() < 0.25 * first
    load = (moe(x)[0].routing > 0).float().mean(dim=0)
    assert (load > 0.05).all(), f"every expert gets some of the load: {load.tolist()}"


def test_top_k_outside_the_experts_is_refused() -> None:
    with pytest.raises(ValueError, match="top_k"):
        model(top_k=5)
