"""Verification: five layers over what the modules answered, and the decision (see report.py)."""

from redheart_models.verification.analysis import Analysis
from redheart_models.verification.findings import Finding, LayerVerdict
from redheart_models.verification.report import DECISIONS, LAYERS, Report, verify

__all__ = ["DECISIONS", "LAYERS", "Analysis", "Finding", "LayerVerdict", "Report", "verify"]
