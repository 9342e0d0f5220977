"""Ray job entrypoints: `python -m cluster.jobs.NAME ...`, locally or with `ray job submit -- python -m ...`."""
