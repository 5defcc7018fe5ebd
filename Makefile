# gameday — `make demo` runs a game day against a demo fleet; `make test` runs every test.
SWIFT      ?= swift
BUILD_DIR  ?= .build
BENCH_DIR  ?= .build-bench
GAMEDAY    := $(BUILD_DIR)/debug/gameday
# Debian packages the build, the tests and the benchmarks need (installed when missing, as root).
APT_PACKAGES := libcurl4-openssl-dev pkg-config nftables iptables iproute2 openssh-server openssh-client \
                socat iperf3 sockperf wrk hyperfine stress-ng python3-venv curl procps

.PHONY: all deps build demo test test-swift test-compat bench clean

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "missing Debian packages:$$missing (run make as root, or install them)"; exit 1; fi; \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build --scratch-path $(BUILD_DIR)

demo: build
	$(GAMEDAY) demo --no-input

test: deps
	$(SWIFT) build --scratch-path $(BUILD_DIR) --build-tests
	$(MAKE) test-swift test-compat

test-swift:
	$(SWIFT) test --scratch-path $(BUILD_DIR) --skip-build --no-parallel

test-compat:
	GAMEDAY=$(GAMEDAY) bash tests/compat/run.sh

bench: deps
	$(SWIFT) build -c release --scratch-path $(BENCH_DIR)
	@for b in Benchmarks/*/run.sh; do echo "== $$b"; bash $$b || exit 1; done

clean:
	rm -rf $(BUILD_DIR) $(BENCH_DIR) .venv
