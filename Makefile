# Inference Lab — two commands on a fresh Debian machine:
#   make run    installs what is missing, builds, serves http://127.0.0.1:3000
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
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export PATH := $(HOME)/.cargo/bin:$(PATH)
# Mesa's lavapipe complains on every start when this is unset.
export XDG_RUNTIME_DIR ?= /tmp

# Where the server finds the browser's files (LEPTOS_SITE_ROOT, --site-root).
SITE_PKG := target/site/pkg
# The name leptos gives the files in the page (LEPTOS_OUTPUT_NAME, .cargo/config.toml).
OUTPUT_NAME := inference-lab
HYDRATE := -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate

.PHONY: run test dev setup system-packages rust-tools node-tools build site server lint bench bench-pages clean

run: setup build
	./target/debug/inference-lab

# Style gates first (they fail fast), then the tests. Tests run one at a time:
# browser tests each start a server and a Chromium, and on two cores several at
# once only make each slower. The HTTP tests start one app (and one wgpu
# instance) per test inside a single process; run concurrently there, a lesson
# render sometimes never finished (about 1 run in 6 at 4 threads, never at 1).
# `timeout` turns any future hang into a failure instead of a stuck CI.
# Every cargo command here selects the whole workspace, so features unify the same
# way each time and dependencies compile once, not once per selection.
TEST_TIMEOUT := timeout -k 30 3600
test: setup lint build
	$(TEST_TIMEOUT) cargo test --workspace --no-fail-fast -- --test-threads=1

# rustfmt, then clippy on both builds of the app: the server's and the browser's.
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy $(HYDRATE) -- -D warnings

build: site server

# The browser half: the app compiled to WASM, bound by wasm-bindgen, plus the CSS.
site:
	cargo build $(HYDRATE)
	@mkdir -p $(SITE_PKG)
	wasm-bindgen --target web --no-typescript --out-dir $(SITE_PKG) --out-name $(OUTPUT_NAME) \
	  target/wasm32-unknown-unknown/debug/app.wasm
	mv -f $(SITE_PKG)/$(OUTPUT_NAME)_bg.wasm $(SITE_PKG)/$(OUTPUT_NAME).wasm
	cp style/main.css $(SITE_PKG)/$(OUTPUT_NAME).css

server:
	cargo build --workspace --bins

# Rebuilds and restarts on every change (cargo-leptos' watch mode).
dev: setup
	@cargo install --list | grep -qx "cargo-leptos v$(CARGO_LEPTOS_VERSION):" \
	  || cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked
	cargo leptos watch

setup: system-packages rust-tools node-tools

# Chromium + its driver for the browser tests; Mesa's lavapipe so wgpu has a
# (software) Vulkan adapter on machines without a GPU.
system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

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
	@cargo install --list | grep -qx "wasm-bindgen-cli v$(WASM_BINDGEN_VERSION):" \
	  || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

bench: setup build
	./target/debug/inference-lab bench --device both --model medium --n 4096 --batch 64

clean:
	cargo clean
