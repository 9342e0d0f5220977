"""The ethics module: learned utility and morality, the ten-dimension Bentham calculus with six weighting layers,
the stakeholder hierarchy, regret over alternatives, legal-risk signals and the regret-feedback phases.

Every derived number is a registered formula applied through a `Tracer` (trace.py), so it can be replayed from
its trace; every constant is in constants.yaml.
"""
