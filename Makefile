.PHONY: run reset test bench static help

help:
	@echo "make run    - set up and serve the demo database on http://localhost:8069 (admin/admin)"
	@echo "make reset  - rebuild the demo database from scratch, then serve it"
	@echo "make test   - static checks, pure tests, Odoo tests on a throw-away database"
	@echo "make bench  - generate benchmark data and run the benchmarks (see tests/benchmarks)"

run:
	bash scripts/run.sh $(ARGS)

reset:
	bash scripts/run.sh --reset $(ARGS)

test:
	bash scripts/test.sh $(ARGS)

static:
	bash scripts/test.sh --only static

bench:
	bash scripts/bench.sh $(ARGS)
