# The two commands the README promises:
#   make run   - the sidecar (dev mode with the embedded emulator when COMETCHAT_APP_ID is unset)
#   make test  - everything CI checks: lint, types, generated code, all tests, all four clients
# Both install what they need first.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BUF := tools/node_modules/.bin/buf
GENERATED := clients/python/src/cometchat_sidecar/auth clients/go/authv1 clients/node/src/gen clients/java/src/generated

.PHONY: run test venv tools deploy-tools redis lint generate check-generated pytest bench clean

run: venv
	scripts/run-dev.sh

test: venv tools deploy-tools redis lint check-generated pytest

$(STAMP): pyproject.toml clients/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e clients/python -e '.[dev]'
	touch $@

venv: $(STAMP)

$(BUF): tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

tools: $(BUF)

# kustomize and helm for the manifest tests, built from the Go module proxy into deploy/.bin.
deploy-tools:
	deploy/tools.sh

# A real redis-server for the Redis tests (installed with apt-get when missing).
redis:
	scripts/ensure-redis.sh

lint: venv tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(BUF) lint
	scripts/buf-breaking.sh

# Regenerates every language's stubs with the root buf.gen.yaml.
generate: venv tools
	scripts/generate.sh

# CI: regenerate, then fail when the committed stubs differ.
check-generated: generate
	@if ! git diff --quiet -- $(GENERATED) || [ -n "$$(git ls-files --others --exclude-standard -- $(GENERATED))" ]; then \
	  git status --short -- $(GENERATED); \
	  echo "generated code is stale: run 'make generate' and commit the result" >&2; exit 1; \
	fi

# pytest exits 5 when it collects nothing; that is a failure here, not a pass.
pytest: venv redis
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# Benchmarks: not part of `make test`; figures go to bench/results and the README.
bench: venv
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	scripts/ensure-ghz.sh
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) tools/node_modules clients/*/.bin clients/*/.tools clients/node/node_modules clients/node/dist clients/java/target deploy/.bin bench/.bin
