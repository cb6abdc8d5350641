"""Benchmark harness for the crm_ext add-ons.

- ``generator.generate(env, size=..., seed=..., **overrides)`` fills a database with a
  consistent sales, stock and accounting history (bulk SQL, no per-record ORM create).
- ``python -m tests.benchmarks.generate`` is its command line.
- ``registry.benchmark`` registers benchmarks found in ``bench_*.py`` modules;
  ``python -m tests.benchmarks.run`` runs them.

See README.md in this folder.
"""
