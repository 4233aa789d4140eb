# mrm-observe: monitoring as code. `make` sets up and runs the main job; `make test` runs the test suite.
VENV    := .venv
MRM     := $(VENV)/bin/mrm-observe
PYTEST  := $(VENV)/bin/pytest
OUT     ?= build

.PHONY: all setup build dashboards alerts slo routing check rules-test lint test bench publish clean

all: setup check rules-test            ## set up, build everything, promtool + amtool checks + lint, promtool + route tests

setup:                                 ## promtool, amtool (Debian 'prometheus', 'prometheus-alertmanager') and the virtualenv
	@scripts/setup

build: setup                           ## build dashboards/, alerts/, slo/ and alertmanager/ into $(OUT)/
	$(MRM) build --out $(OUT)

dashboards: setup                      ## build only the dashboards
	$(MRM) build --source dashboards --out $(OUT)/dashboards-only

alerts: setup                          ## build only the alert rules and run their promtool tests
	$(MRM) test --source alerts --out $(OUT)/alerts-only

slo: setup                             ## build only the SLOs and run their generated promtool tests
	$(MRM) test --source slo --out $(OUT)/slo-only

routing: setup                         ## build, then where every alert goes (the routes table; fails on unrouted alerts)
	$(MRM) routes --out $(OUT)

check: setup                           ## build + promtool check rules + amtool check-config + lint (routing checks too)
	$(MRM) check --out $(OUT)

rules-test: setup                      ## build + promtool test rules (hand-written and generated) + route tests (amtool)
	$(MRM) test --out $(OUT)

lint: setup
	$(MRM) lint --out $(OUT)

test: setup                            ## the whole test suite (pytest, including the promtool and route tests)
	$(PYTEST) -q

bench: setup                           ## benchmarks (figures are ratios against a baseline measured in the same run)
	$(VENV)/bin/python -m bench

publish: setup                         ## publish dashboards to Grafana (GRAFANA_URL, GRAFANA_TOKEN)
	$(MRM) publish grafana --out $(OUT)

clean:
	rm -rf $(OUT) .pytest_cache
