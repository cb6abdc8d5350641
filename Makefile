.PHONY: run reset test bench static help prod prod-stop prod-status load faults

help:
	@echo "make run    - set up and serve the demo database on http://localhost:8069 (admin/admin)"
	@echo "make reset  - rebuild the demo database from scratch, then serve it"
	@echo "make test   - static checks, pure tests, Odoo tests on a throw-away database"
	@echo "make bench  - generate benchmark data and run the benchmarks (see tests/benchmarks)"
	@echo "make prod   - primary + streaming replica + Odoo workers behind nginx on http://127.0.0.1:8080"
	@echo "              (ARGS=\"--instances 2\", --no-replica, --workers N, --detach); make prod-stop stops it"
	@echo "make load   - Locust load runs (tests/load), tables of req/s and p50/p95/p99 per request type"
	@echo "make faults - fault runs under load: worker killed, PostgreSQL restarted, replica stopped, ..."

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

prod:
	bash scripts/prod.sh start $(ARGS)

prod-stop:
	bash scripts/prod.sh stop

prod-status:
	bash scripts/prod.sh status

load:
	bash scripts/load.sh $(ARGS)

faults:
	bash scripts/load.sh --faults $(ARGS)
