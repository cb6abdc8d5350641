# ``bulk``: the analytics run's COPY reads and writes (imported by the run's model files);
# ``amounts``: amounts in words for many customers at once (the churn reasons).
# ``generator`` is not imported by the add-on itself: it is loaded by the demo history
# (``models/crm_ext_analytics_run_demo.py``) and by the benchmarks (tests/benchmarks).
