"""The stakeholder hierarchy: community > others > self (0.5/0.3/0.2), reversed when the speaker's loss is critical."""

import pytest

from redheart_models.ethics import stakeholders


def test_weights_follow_the_hierarchy_over_the_groups_present() -> None:
    base = {"community": 0.5, "others": 0.3, "self": 0.2}
    assert stakeholders.weights(present=["self", "others", "community"], self_critical=False, base=base) == base
    reversed_ = stakeholders.weights(present=["self", "others", "community"], self_critical=True, base=base)
    assert reversed_ == {"self": 0.5, "others": 0.3, "community": 0.2}
    assert stakeholders.weights(present=["self", "others"], self_critical=False, base=base) == \
        pytest.approx({"self": 0.4, "others": 0.6})
    assert stakeholders.weights(present=["self"], self_critical=False, base=base) == {"self": 1.0}


def test_impacts_losses_and_integration() -> None:
    groups = [["self"], ["self", "others"], ["community"]]
    impacts = stakeholders.impacts(tones=[-0.8, 0.2, 0.5], groups=groups)
    assert impacts == pytest.approx({"self": -0.3, "others": 0.2, "community": 0.5})
    losses = stakeholders.critical_loss(negative=[0.9, 0.1, 0.2], groups=groups, threshold=0.7)
    assert losses == {"self": True, "others": False, "community": False}
    weights = {"self": 0.5, "others": 0.3, "community": 0.2}
    assert stakeholders.integrate(impacts=impacts, weights=weights) == pytest.approx(-0.15 + 0.06 + 0.1)
