"""Pure computation for Red Heart: models, formulas and metrics (torch + numpy; no Ray, Redis or network)."""
