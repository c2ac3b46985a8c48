"""Project files: opening and reading layers in a worker, saving, watching, crash recovery,
new territories from open data."""
