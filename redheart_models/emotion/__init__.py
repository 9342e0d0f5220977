"""The emotion module: label sets, the Korean cultural composites, and (to come) the mixture of experts."""
