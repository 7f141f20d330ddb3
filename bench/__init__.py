"""
Benchmarks of the invoice API beside naive baselines; run `uv run python bench/run.py`.
"""
