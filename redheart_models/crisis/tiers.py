"""Crisis risk tiers 0-4 and how they line up with the C-SSRS levels that label the training data.

0 none; 1 risk indicators or passive ideation (C-SSRS "wish to be dead", hopelessness, feeling a burden);
2 active ideation (thoughts of killing oneself, wanting to die, self-harm urges); 3 method, plan, intent,
preparation or self-harm behaviour; 4 attempt in progress or imminent danger.
"""

import numpy as np

TIERS = {
    0: "none",
    1: "risk indicators or passive ideation",
    2: "active ideation",
    3: "method, plan, intent or self-harm behaviour",
    4: "attempt in progress or imminent danger",
}
MAX_TIER = max(TIERS)
RESPONSE_TIER = 2  # from this tier a fixed protective response and a review item are attached
URGENT_TIER = 3  # from this tier the review item is urgent

# The C-SSRS user levels of Gaur et al. (2019) as tiers: Supportive users show no risk of their own; Attempt is a
# past attempt, the closest the data comes to tier 4 (it holds no attempt in progress).
CSSRS_TIER = {"Supportive": 0, "Indicator": 1, "Ideation": 2, "Behavior": 3, "Attempt": 4}


def tiers(p: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The highest k whose P(tier >= k) reaches its threshold (0 when none does): a message that reaches the
    response cut is at least tier 2 whatever the threshold of tier 1 (thresholds are chosen per cut for recall)."""
    passed = p >= thresholds[None, :]  # [n, MAX_TIER]: P(tier >= k) for k = 1..4
    return np.where(passed.any(axis=1), MAX_TIER - np.argmax(passed[:, ::-1], axis=1), 0)


def classifier_cuts(ideation_threshold: float) -> np.ndarray:
    """The person classifier's thresholds on P(tier >= k): the ideation cut (C-SSRS Ideation is tier 2, the
    response tier) at its tuned threshold, the others at 0.5."""
    thresholds = np.full(MAX_TIER, 0.5)
    thresholds[RESPONSE_TIER - 1] = ideation_threshold
    return thresholds


def cumulative_tiers(p: np.ndarray, ideation_threshold: float) -> np.ndarray:
    """The person classifier's tier 0..4 from its cumulative probabilities [n, MAX_TIER]: a cut counts only if every
    cut below it does."""
    return (p >= classifier_cuts(ideation_threshold)).cumprod(axis=1).sum(axis=1)
