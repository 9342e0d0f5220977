"""Every Redis key name Red Heart uses, in one place."""

PREFIX = "redheart"

AUDIT_STREAM = f"{PREFIX}:audit"
REVIEW_STREAM = f"{PREFIX}:crisis:review"
REVIEW_GROUP = "reviewers"

ETHICS_PREDICTION = f"{PREFIX}:ethics:prediction:"  # + request id: the regret an analysis predicted, for feedback
FEEDBACK_STREAM = f"{PREFIX}:ethics:feedback"  # every reported outcome, as accepted
REGRET_PHASE = f"{PREFIX}:ethics:regret_phase"  # the regret-learning phase state (JSON)
EXPERIENCE_STREAM = f"{PREFIX}:ethics:experience"  # one record per ethics analysis: Bentham dimensions, verdict, regret
ANSWER_MEMORY = f"{PREFIX}:verification:answer:"  # + input sha256: what the analysis said (verification, L2)
NEAR_MEMORY = f"{PREFIX}:verification:near:"  # + near-duplicate sha256: the same, for inputs differing in spelling
