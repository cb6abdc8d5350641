"""Benchmark harness for the crm_ext add-ons.

- ``generator.generate(env, size=..., seed=..., **overrides)`` or
  ``generator.generate(env, Profile(...))`` fills a database with a consistent sales, stock,
  accounting, marketing and service history (bulk SQL, no per-record ORM create); the
  ``generator`` package has one module per domain.
- ``python -m tests.benchmarks.generate`` is its command line.
- ``registry.benchmark`` registers benchmarks found in ``bench_*.py`` modules;
  ``python -m tests.benchmarks.run`` runs them.

See README.md in this folder.
"""
