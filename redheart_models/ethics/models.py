"""The released ethics models at inference: the utility ensemble's U and its spread, and P(clearly wrong)."""

import numpy as np
import torch

from redheart_models.families import BUNDLED_E5
from redheart_models.release import Released


class EthicsModels:
    """The released utility ensemble and, optionally, the morality head, checked against the encoder."""

    def __init__(self, utility: Released, morality: Released | None) -> None:
        if utility.family != "ensemble":
            raise ValueError(f"{utility.path.name} is a {utility.family} model; the utility needs an ensemble")
        self.utility, self.morality = utility, morality
        self.encoder_id = utility.encoder

    @torch.no_grad()
    def utilities(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ensemble mean and spread of U for each row of x."""
        model = self.utility.model
        members = model.members(torch.from_numpy(x)).numpy().reshape(len(model.heads), len(x))
        return members.mean(axis=0), members.std(axis=0)

    @torch.no_grad()
    def wrong(self, x: np.ndarray, text: str, language: str) -> tuple[float | None, str | None]:
        """P(the act is clearly wrong) of the message, or None and why not."""
        if self.morality is None:
            return None, "morality: no commonsense-morality model is configured"
        if self.morality.reads_text:
            encoder = self.morality.model.config.encoder
            if language != "en" and not encoder.startswith(BUNDLED_E5):  # a fine-tuned English encoder (MiniLM)
                return None, f"morality: the commonsense-morality model (fine-tuned {encoder}) reads English only"
            logit, _ = self.morality.model([text])
        else:
            logit, _ = self.morality.model(torch.from_numpy(x[:1]))
        return float(torch.sigmoid(logit).reshape(-1)[0]), None
