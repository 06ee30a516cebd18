# Developer entry points; `make` alone lists them. The scripts under scripts/ do the work, so they can also be run
# directly (scripts/test.sh takes cargo and test-harness arguments, e.g. scripts/test.sh login -- --nocapture).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

.PHONY: help run test check-logs fmt lint ci openapi db db-stop build bench faults schemathesis typed-client verify-credentials lint-spec python-client

help: ## List the targets
	@echo 'Targets:'
	@grep -E '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

run: ## Start PostgreSQL if needed, build, load the demo data and serve on http://127.0.0.1:8080 (PORT=...)
	scripts/run.sh

test: ## Start PostgreSQL if needed and run every test (TEST_THREADS=4)
	scripts/test.sh

check-logs: ## Run the integration tests with logging on and fail on any NIP, token, password or name in the logs
	scripts/check-logs.sh

fmt: ## Format the code
	cargo fmt --all

lint: ## Check formatting, run clippy with warnings as errors, and check that the service boundary stays sealed
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	scripts/boundary.sh

ci: ## What CI runs: lint, the tests, then check-logs
	bash .ci/run

openapi: ## Regenerate the committed OpenAPI document from the code
	db_env=$$(scripts/db.sh bimtek_test); eval "$$db_env"; \
	UPDATE_OPENAPI=1 cargo test --test api openapi_document_matches_the_committed_file

db: ## Find or start PostgreSQL and print its export lines (eval "$(make -s db)")
	@scripts/db.sh

db-stop: ## Stop the private PostgreSQL cluster started by scripts/db.sh, if any
	@scripts/db.sh stop

build: ## Build the release binary (target/release/bimtek-api)
	cargo build --release

bench: ## Seed a large dataset and measure the API against pgbench -S (SCALE=0.1: tables 10x smaller)
	bench/run.sh

faults: ## Fault tests: PostgreSQL restarts under load, then kill -9 during bulk writes (private cluster, not 5432)
	status=0; scripts/faults/pg-restart.sh || status=1; scripts/faults/kill9.sh || status=1; exit $$status

schemathesis: ## Property-based API tests: schemathesis 4.32.5 against the served spec (fresh database, demo data)
	scripts/schemathesis.sh

verify-credentials: ## Open Badges 3.0 credentials checked by independent verifiers (PyJWT, jsonld.js, vc-bitstring-status-list)
	scripts/verify-credentials.sh

typed-client: ## Generate TypeScript types from openapi/openapi.json (pinned openapi-typescript) and compile a usage file
	scripts/typed-client.sh

lint-spec: ## Lint openapi/openapi.json with Redocly and Spectral (pinned through npm); fails on any warning
	scripts/lint-spec.sh

python-client: ## Generate a Python client from openapi/openapi.json (pinned openapi-python-client) and run a usage against the demo
	scripts/python-client.sh
