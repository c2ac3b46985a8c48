"""Whole-territory batch runs on a Dask cluster: coverage by tiles, hosting capacity by
chunks of buses. Results equal the single-process engines' (see each module)."""
