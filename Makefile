# Inference Lab — two commands on a fresh Debian machine:
#   make run    installs what is missing, builds, serves (http://127.0.0.1:3000,
#               or LAB_ADDR; the server prints the address it listens on)
#   make test   installs what is missing, builds, checks style, runs every test
#
# Every install step is skipped when the right version is already there.
#
# The site is built with plain cargo plus wasm-bindgen, the two steps
# `cargo leptos build` runs, so a fresh machine needs no cargo-leptos (a long
# compile of its own). `make dev` installs it for its watch mode.

CARGO_LEPTOS_VERSION := 0.3.10
# Must equal the `wasm-bindgen = "=…"` pin in Cargo.toml.
WASM_BINDGEN_VERSION := 0.2.130
DEBIAN_PACKAGES := chromium chromium-driver mesa-vulkan-drivers libvulkan1
# Only `make test` needs PostgreSQL (the storage tests run on both engines); it
# starts a throwaway cluster of its own and never touches a system one.
TEST_PACKAGES := postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export PATH := $(HOME)/.cargo/bin:$(PATH)
# Mesa's lavapipe complains on every start when this is unset.
export XDG_RUNTIME_DIR ?= /tmp

# Where the server finds the browser's files (LEPTOS_SITE_ROOT, --site-root):
# the debug build for the tests, the optimised one for `make run`.
SITE := target/site
SITE_RELEASE := target/site-release
# The name leptos gives the files in the page (LEPTOS_OUTPUT_NAME, .cargo/config.toml).
OUTPUT_NAME := inference-lab
HYDRATE := -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate

.PHONY: run test dev setup system-packages test-packages rust-tools node-tools build site site-release server server-release fmt lint lint-guard bench bench-pages bench-school bench-queue clean

# One line per long step, with the time it takes on a cold 2-core machine, so a
# first run shows where it is (cargo lists each crate as it compiles).
step = echo "==> $$(date +%H:%M:%S) $(1)"

# What `make run` serves, and why (measured on the 2-core machine of issue 14):
# - The server is a release build (target/release). The dev-profile server that
#   `make test` builds has optimised dependencies, but leptos renders through
#   generic code that is instantiated in this workspace's own crates, which the
#   dev profile leaves unoptimised. `make bench-pages`, 100 clients, same idle
#   machine: dev 1,860 req/s on the home page and 319-330 on lessons; release
#   6,361 and 1,060-1,148. The release build compiles the dependency tree a
#   second time (once); `make test` does not need it and does not build it.
# - The WASM is the `wasm-release` profile (size-optimised, LTO) without its
#   names section, in target/site-release: 3.25 MB, 904 KB gzipped, against
#   25.8 MB and 4.1 MB for the debug build. `make test` keeps the debug WASM in
#   target/site: after an app change it relinks in about half a minute, where
#   the release build's LTO takes minutes, and the browser tests pass on
#   either (INFERENCE_LAB_SITE=target/site-release runs them on this one).
# - Responses are gzipped by the server; the WASM, JS and CSS are gzipped here
#   once (`.gz` beside each file) and served as they are, under content-hashed
#   names that browsers keep for a year (see hash_site).
# The address is the server's to print ("Inference Lab is serving on
# http://ADDR", once it listens): LAB_ADDR or --addr may move it.
run: setup site-release server-release
	@$(call step,starting the server (it prints the address it serves on; Ctrl-C stops))
	./target/release/inference-lab --site-root $(SITE_RELEASE)

# Style first (rustfmt fails fast), then the build, linted as it compiles, then
# the tests, at cargo's default thread count: test binaries run one after
# another, the tests inside one in parallel (the HTTP tests start one app per
# test in a single process; that once hung because every app regenerated
# leptos' route list, see server/tests/route_list_window.rs; now it is
# generated once per process). Every test client has its own timeout, and
# `timeout` turns any hang that still slipped through into a failure instead
# of a stuck CI. Every cargo command here selects the whole workspace, so
# features unify the same way each time and dependencies compile once.
#
# Linting while building: `cargo clippy` type-checks every dependency again in
# check mode, which shares nothing with a build: on a cold 2-core machine that
# was 10.5 of make test's 30 minutes (6.5 for the server's crates, 4 for the
# browser's). Instead, every cargo command of `make test` compiles this
# workspace's own crates with clippy's driver, the way `cargo clippy` runs it
# (cargo's RUSTC_WORKSPACE_WRAPPER; CLIPPY_ARGS carries `-D warnings` the way
# cargo-clippy passes it), so the same lints deny the same warnings on every
# target (lib, bins, tests, benches, and the hydrate build) and dependencies
# compile once. `make lint` is the plain `cargo clippy` for editing.
# The server binary the tests start comes from the same `cargo test` build:
# a separate `cargo build --bins` resolves features without the
# dev-dependencies, so it compiled about 50 crates (sqlx, leptos, ...) twice.
TEST_TIMEOUT := timeout -k 30 3600
test: export RUSTC_WORKSPACE_WRAPPER := clippy-driver
test: export CLIPPY_ARGS := -D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
test: setup test-packages fmt lint-guard site
	@$(call step,building the server and the tests (about 8 min cold))
	$(TEST_TIMEOUT) cargo test --workspace --all-targets --no-run
	@$(call step,running the tests (about 6 min) with a throwaway PostgreSQL)
	@dir=$$(mktemp -d /tmp/lab-pg.XXXXXX) && trap 'tests/pg/cluster.sh stop "$$dir"; rm -rf "$$dir"' EXIT \
	  && url=$$(tests/pg/cluster.sh start "$$dir") \
	  && LAB_TEST_POSTGRES="$$url" $(TEST_TIMEOUT) cargo test --workspace --no-fail-fast \
	  && $(call step,the HTTP tests again on PostgreSQL (about 1.5 min)) \
	  && LAB_TEST_POSTGRES="$$url" LAB_TEST_BACKEND=postgres $(TEST_TIMEOUT) cargo test --workspace --test api
	@$(call step,all tests passed)

# The one-build lint above rests on clippy-driver reading CLIPPY_ARGS with its
# private separator: if a clippy release changed that, warnings would pass
# silently. So a planted clippy warning must be denied before anything builds.
PLANTED := target/lint-guard/planted_warning
lint-guard:
	@mkdir -p $(dir $(PLANTED))
	@printf 'fn f() -> i32 {\n    return 1;\n}\nfn main() {\n    f();\n}\n' > $(PLANTED).rs
	@if clippy-driver rustc --edition 2021 --crate-type bin --emit=metadata -o $(PLANTED).rmeta $(PLANTED).rs 2> $(PLANTED).log; then \
	  echo "lint guard: a planted clippy warning was not denied (CLIPPY_ARGS=$$CLIPPY_ARGS)"; exit 1; fi
	@grep -q needless_return $(PLANTED).log || { echo "lint guard: clippy did not run:"; cat $(PLANTED).log; exit 1; }

fmt:
	@$(call step,checking style (rustfmt))
	cargo fmt --all -- --check

# rustfmt, then clippy on both builds of the app: the server's and the browser's.
lint: fmt
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy $(HYDRATE) -- -D warnings

build: site server

# Binds a WASM file with wasm-bindgen into $(2)/pkg and adds the CSS; $(3): more
# wasm-bindgen flags.
define bind_site
	@mkdir -p $(2)/pkg
	wasm-bindgen --target web --no-typescript $(3) --out-dir $(2)/pkg --out-name $(OUTPUT_NAME) $(1)
	mv -f $(2)/pkg/$(OUTPUT_NAME)_bg.wasm $(2)/pkg/$(OUTPUT_NAME).wasm
	cp style/main.css $(2)/pkg/$(OUTPUT_NAME).css
endef
# Content-hashed names: $(OUTPUT_NAME).<hash>.wasm and .js (one hash of both:
# the JS is the WASM's glue, and leptos names them with one stem) and
# $(OUTPUT_NAME).<hash>.css, listed in $(1)/hash.txt, which the server reads at
# start-up (server/src/assets.rs). A changed file gets a new name, so the
# server can let browsers keep these for a year without asking again; the
# previous build's files are removed. Without hash.txt (cargo-leptos'
# `make dev`) the server uses the plain names and lets browsers revalidate.
define hash_site
	cd $(1)/pkg && rm -f $(OUTPUT_NAME).*.wasm* $(OUTPUT_NAME).*.js* $(OUTPUT_NAME).*.css* \
	  && h=$$(cat $(OUTPUT_NAME).wasm $(OUTPUT_NAME).js | sha256sum | cut -c1-16) \
	  && c=$$(sha256sum < $(OUTPUT_NAME).css | cut -c1-16) \
	  && mv $(OUTPUT_NAME).wasm $(OUTPUT_NAME).$$h.wasm && mv $(OUTPUT_NAME).js $(OUTPUT_NAME).$$h.js \
	  && mv $(OUTPUT_NAME).css $(OUTPUT_NAME).$$c.css \
	  && rm -f $(OUTPUT_NAME).wasm.gz $(OUTPUT_NAME).js.gz $(OUTPUT_NAME).css.gz \
	  && printf 'wasm: %s\njs: %s\ncss: %s\n' $$h $$h $$c > ../hash.txt
endef
# A gzipped copy of each file in $(1)/pkg, which the server sends as it is.
define gzip_site
	gzip -kf $(1)/pkg/$(OUTPUT_NAME).*.wasm $(1)/pkg/$(OUTPUT_NAME).*.js $(1)/pkg/$(OUTPUT_NAME).*.css
endef

# The browser half: the app compiled to WASM, bound by wasm-bindgen, plus the CSS.
site:
	@$(call step,building the browser's WASM (about 4 min cold))
	cargo build $(HYDRATE)
	$(call bind_site,target/wasm32-unknown-unknown/debug/app.wasm,$(SITE))
	$(call hash_site,$(SITE))
	$(call gzip_site,$(SITE))

# The same, optimised for size (what `make run` serves). No wasm-opt: Debian 12's
# binaryen (108) breaks this wasm-bindgen's externref table (the page fails with
# "WebAssembly.Table.set(): Argument 1 is invalid"), and the file is within the
# size target without it.
site-release:
	@$(call step,building the optimised browser WASM (about 3 min after make test))
	cargo build $(HYDRATE) --profile wasm-release
	$(call bind_site,target/wasm32-unknown-unknown/wasm-release/app.wasm,$(SITE_RELEASE),--remove-name-section --remove-producers-section)
	$(call hash_site,$(SITE_RELEASE))
	$(call gzip_site,$(SITE_RELEASE))

server:
	@$(call step,building the server (about 8 min cold))
	cargo build --workspace --bins

# What `make run` serves (see above).
server-release:
	@$(call step,building the optimised server (about 8 min cold; once))
	cargo build --release -p inference-lab --bins

# Rebuilds and restarts on every change (cargo-leptos' watch mode).
dev: setup
	@rm -f $(SITE)/hash.txt  # cargo-leptos writes plain names; see hash_site
	@cargo install --list | grep -qx "cargo-leptos v$(CARGO_LEPTOS_VERSION):" \
	  || cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked
	cargo leptos watch

setup: system-packages rust-tools node-tools

# Chromium + its driver for the browser tests; Mesa's lavapipe so wgpu has a
# (software) Vulkan adapter on machines without a GPU.
system-packages:
	@$(call apt_install,$(DEBIAN_PACKAGES))

# Installs the Debian packages $(1) that are not installed yet.
define apt_install
missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

# PostgreSQL for the tests (see TEST_PACKAGES). Debian's package may start a
# system cluster where systemd runs; the tests use only their own, in /tmp,
# on a Unix socket (tests/pg/cluster.sh).
test-packages:
	@$(call apt_install,$(TEST_PACKAGES))

# axe-core for the accessibility check in the browser tests (pinned in
# tests/node/package-lock.json), installed next to the tests, not globally.
AXE := tests/node/node_modules/axe-core/axe.min.js
node-tools:
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }
	@[ -f $(AXE) ] || npm ci --prefix tests/node --no-audit --no-fund

rust-tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@# No --locked: wasm-bindgen-cli 0.2.130's published lockfile pins webpki-roots 1.0.11,
	@# which the crates.io index these machines reach does not offer (checked 2026-12-05).
	@# No TLS (its default feature only lets the test runner download drivers; binding
	@# never goes online) and opt-level 1: 2 min 23 s -> 1 min 48 s on 2 cores, and
	@# the bound files are byte for byte the same (binding the debug WASM: 2.6 s either way).
	@cargo install --list | grep -qx "wasm-bindgen-cli v$(WASM_BINDGEN_VERSION):" \
	  || { $(call step,installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (about 2 min)); \
	       env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
	         cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --no-default-features; }

bench: setup build
	./target/debug/inference-lab bench --device both --model medium --n 4096 --batch 64

# Requests/s and latency of lesson pages against the home page, 100 clients (wrk).
bench-pages: setup site-release server-release
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	LEPTOS_SITE_ROOT=$(SITE_RELEASE) INFERENCE_LAB_BIN=target/release/inference-lab tests/bench/pages.sh

# Three instances on one throwaway PostgreSQL, 1,000 learners answering for a
# minute while one instance is killed -9 (server/benches/school_load.rs).
bench-school: setup test-packages
	@dir=$$(mktemp -d /tmp/lab-pg.XXXXXX) && trap 'tests/pg/cluster.sh stop "$$dir"; rm -rf "$$dir"' EXIT \
	  && url=$$(tests/pg/cluster.sh start "$$dir") \
	  && LAB_TEST_POSTGRES="$$url" cargo bench --workspace --bench school_load

# The shared lab queue under load: three web instances, two lab workers killed
# and restarted, 200 learners pressing Run for five minutes (lab_queue.rs).
bench-queue: setup test-packages
	@dir=$$(mktemp -d /tmp/lab-pg.XXXXXX) && trap 'tests/pg/cluster.sh stop "$$dir"; rm -rf "$$dir"' EXIT \
	  && url=$$(tests/pg/cluster.sh start "$$dir") \
	  && LAB_TEST_POSTGRES="$$url" cargo bench --workspace --bench lab_queue

clean:
	cargo clean
