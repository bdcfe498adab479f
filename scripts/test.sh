#!/usr/bin/env bash
# The whole test suite (what CI runs): install what is missing, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
# Correctness at scale: a generated 200-connection capture, every handshake against the generator's truth.
bench/truth-check.sh .build/debug/tlsdiag
# Every libFuzzer target for FUZZ_CI_SECONDS (20 s) each: fails on a crash, a hang (> 1 s on one input)
# or a memory blow-up (> 2 GB), and names the input that did it.
scripts/fuzz.sh --ci
# Checks that need an ordinary user (root may write any file): run as nobody when CI runs as root and
# nobody can reach the test bundle (a checkout under a private folder cannot: then they are skipped, said so).
tests=.build/debug/tlsdiagPackageTests.xctest
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v runuser >/dev/null; then
    if runuser -u nobody -- test -x "$tests"; then
        runuser -u nobody -- env HOME=/tmp TMPDIR=/tmp "$tests" --testing-library swift-testing --filter ReplacedFileTests
    else
        echo "test.sh: nobody cannot reach $tests; ReplacedFileTests' ordinary-user cases are skipped" >&2
    fi
fi
# Last, so the test runner's own summary closes the output.
swift test --skip-build
