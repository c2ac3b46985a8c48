"""Optimisation engines: budgeted site placement and phased rollout plans (Qt-free)."""
