# Not imported by the add-on itself: ``generator`` is loaded by the demo history
# (``models/crm_ext_analytics_run_demo.py``) and by the benchmarks (tests/benchmarks).
