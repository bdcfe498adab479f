#!/usr/bin/env bash
# The whole test suite (what CI runs): install what is missing, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
# Correctness at scale: a generated 200-connection capture, every handshake against the generator's truth.
bench/truth-check.sh .build/debug/tlsdiag
# Last, so the test runner's own summary closes the output.
swift test --skip-build
