# The README names these targets. Everything installs itself on a fresh Debian 12 machine.
SHELL := /bin/bash
VENV := .venv/bin
SCENARIO ?= undocumented-switch

.PHONY: setup demo test test-fast lint bench lab-up lab-down clean-lab

setup:
	./scripts/setup.sh

## demo: the main job on the built-in lab: NetBox + devices, drift planted, backup, audit, report
demo: setup
	./scripts/demo.sh $(SCENARIO)

## test: the whole suite against a real NetBox, real SSH devices, real namespaces (when root)
test: setup
	$(VENV)/ruff check .
	$(VENV)/mypy
	$(VENV)/pytest

test-fast: setup
	$(VENV)/pytest -m "not netbox and not devices and not netns and not slow"

lint: setup
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy

bench: setup
	for b in benches/*.py; do $(VENV)/python $$b || exit 1; done

lab-up: setup
	$(VENV)/simpul lab up

lab-down:
	$(VENV)/simpul lab down
