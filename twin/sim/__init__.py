"""Simulation engines (Qt-free): radio, fiber, transit, energy."""
