"""The benchmark: `python bench/run.py` (see bench/run.py)."""
