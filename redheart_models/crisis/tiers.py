"""Crisis risk tiers 0-4 and how they line up with the C-SSRS levels that label the training data.

0 none; 1 risk indicators or passive ideation (C-SSRS "wish to be dead", hopelessness, feeling a burden);
2 active ideation (thoughts of killing oneself, wanting to die, self-harm urges); 3 method, plan, intent,
preparation or self-harm behaviour; 4 attempt in progress or imminent danger.
"""

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
