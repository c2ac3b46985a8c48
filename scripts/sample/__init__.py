"""Modules of the sample-territory generator (run ``python scripts/make_sample.py``)."""
