"""Crisis protection: tiers, the bilingual rule engine, the C-SSRS classifier, fusion and the response policy."""
