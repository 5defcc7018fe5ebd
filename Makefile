# gameday — `make demo` runs a game day against a demo fleet; `make test` runs every test.
SWIFT      ?= swift
BUILD_DIR  ?= .build
BENCH_DIR  ?= .build-bench
GAMEDAY    := $(BUILD_DIR)/debug/gameday
# Debian packages by need (installed when missing, as root). The build needs BUILD_PACKAGES; `make demo` needs
# nothing more; the tests need TEST_PACKAGES (namespaces, sshd, firewall tools, the Python clients' venv); the
# benchmarks add their peers.
BUILD_PACKAGES := libcurl4-openssl-dev pkg-config
TEST_PACKAGES  := nftables iptables iproute2 openssh-server openssh-client stress-ng iperf3 python3-venv curl procps util-linux coreutils prometheus prometheus-alertmanager postgresql chromium chromium-driver python3-jsonschema python3-yaml tmux firefox-esr
BENCH_PACKAGES := socat iperf3 sockperf wrk hyperfine

.PHONY: all deps deps-build deps-test deps-bench build demo test test-swift test-compat test-console bench clean

all: build

# $(call ensure,PACKAGES,WHAT): install what is missing as root; otherwise fail, naming the packages.
define ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing for $(2):$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "error: $(2) needs the Debian packages:$$missing (run make as root, or: sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi
endef

deps-build:
	$(call ensure,$(BUILD_PACKAGES),the build)

deps-test: deps-build
	$(call ensure,$(TEST_PACKAGES),the tests)

deps-bench: deps-build
	$(call ensure,$(BENCH_PACKAGES),the benchmarks)

# Everything, for a machine that will build, test and benchmark.
deps: deps-test deps-bench

build: deps-build
	$(SWIFT) build --scratch-path $(BUILD_DIR)

demo: build
	$(GAMEDAY) demo --no-input

test: deps-test
	$(SWIFT) build --scratch-path $(BUILD_DIR) --build-tests
	$(MAKE) test-swift test-compat test-console

test-swift:
	$(SWIFT) test --scratch-path $(BUILD_DIR) --skip-build --no-parallel

test-compat:
	GAMEDAY=$(GAMEDAY) bash tests/compat/run.sh

# The live console and the HTML report in headless chromium (selenium + chromium-driver); screenshots in
# $(BUILD_DIR)/artifacts/console.
test-console:
	GAMEDAY=$(GAMEDAY) GAMEDAY_ARTIFACTS=$(BUILD_DIR)/artifacts/console bash tests/console/run.sh

bench: deps-bench
	$(SWIFT) build -c release --scratch-path $(BENCH_DIR)
	@for b in Benchmarks/*/run.sh; do echo "== $$b"; bash $$b || exit 1; done

clean:
	rm -rf $(BUILD_DIR) $(BENCH_DIR) .venv
