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
UV := $(VENV)/bin/uv
UV_STAMP := $(VENV)/.uv-installed
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
BUF := tools/node_modules/.bin/buf
GENERATED := clients/python/src/cometchat_sidecar/auth clients/python/src/cometchat_sidecar/calls clients/python/src/cometchat_sidecar/tokens clients/go/authv1 clients/go/callsv1 clients/go/tokensv1 clients/node/src/gen clients/java/src/generated

.PHONY: run test venv lock check-lock tools deploy-tools cluster-tools monitoring-tools go-tools monitoring dashboard-plot redis lint generate check-generated pytest bench clean

run: venv
	scripts/run-dev.sh

test: venv check-lock tools deploy-tools cluster-tools monitoring-tools go-tools redis lint check-generated pytest

# Everything installs from the lock (uv.lock, with hashes): first uv itself with pip from
# requirements/bootstrap.txt, then `uv sync --frozen` makes .venv exactly the locked
# runtime + dev set, with the sidecar and clients/python editable.
$(UV_STAMP): requirements/bootstrap.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
	  -r requirements/bootstrap.txt
	touch $@

$(STAMP): $(UV_STAMP) uv.lock pyproject.toml clients/python/pyproject.toml
	$(UV) sync --quiet --frozen --extra dev
	touch $@

venv: $(STAMP)

# Relock after editing a dependency in pyproject.toml (or clients/python/pyproject.toml),
# then commit uv.lock and requirements/. `make lock LOCK_ARGS=--upgrade` also moves every
# dependency to its newest allowed version.
lock: $(UV_STAMP)
	scripts/lock.sh $(LOCK_ARGS)

# CI: fail when pyproject.toml, uv.lock and the exported requirements/ disagree.
check-lock: $(UV_STAMP)
	scripts/lock.sh --check

$(BUF): tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

tools: $(BUF)

# kustomize and helm for the manifest tests, built from the Go module proxy into deploy/.bin.
deploy-tools:
	deploy/tools.sh

# As root: buildah, mmdebstrap, containerd, runc, CNI plugins, iptables, conntrack and etcd
# from Debian when missing, and the pinned Kubernetes built from the Go module proxy into
# the cluster cache (COMETCHAT_CLUSTER_CACHE, default .cache/cluster), for the image build
# and the cluster tests (tests/deploy/test_image.py, tests/deploy/cluster/).
cluster-tools:
	tests/deploy/cluster/host-tools.sh

# promtool, for the alerting rules' checks and unit tests, built the same way into deploy/.bin.
monitoring-tools:
	deploy/monitoring/tools.sh

# grpcurl (reflection tests) and the OpenTelemetry Collector's OTLP receiver (tracing
# tests), built from the Go module proxy into tools/.bin.
go-tools:
	tools/go-tools.sh

# Rebuilds the dashboard JSON, the PrometheusRule and the chart's copies of both from
# deploy/monitoring/build.py and cometchat-sidecar.rules.yaml (CI fails when they are stale).
monitoring: venv
	$(PY) deploy/monitoring/build.py

# The README's dashboard figure: Prometheus (built into deploy/.bin) scrapes a sidecar in
# front of the emulator under a bounded load on loopback; the panels' own queries are
# plotted into deploy/monitoring/dashboard.png. Not part of `make test`.
dashboard-plot: venv
	$(UV) sync --quiet --frozen --extra dev --extra bench
	deploy/monitoring/tools.sh prometheus
	$(PY) -m bench.dashboard $(PLOT_ARGS)

# A real redis-server for the Redis tests (installed with apt-get when missing).
redis:
	scripts/ensure-redis.sh

lint: venv tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy deploy/monitoring/build.py
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
	$(UV) sync --quiet --frozen --extra dev --extra bench
	scripts/ensure-ghz.sh
	scripts/ensure-bench-runtime.sh
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .cache tools/node_modules clients/*/.bin clients/*/.tools clients/node/node_modules clients/node/dist clients/java/target deploy/.bin bench/.bin bench/.runtime tools/.bin
