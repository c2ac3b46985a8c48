"""Citizen reports in the window: heat map with a time filter, rectification commands and
the rights dialog (subject access, erasure)."""
