#!/usr/bin/env bash
# Correctness at scale, for CI: generate a capture with the shared generator (tiny: 200 connections,
# made in about 15 s, most of it the generator's deterministic RSA keys), analyse it with tlsdiag and
# compare every handshake with the generator's truth file (bench/check_truth.py). Exit 1 on any mismatch.
#   bench/truth-check.sh [TLSDIAG_BINARY] [tiny|small|big|huge]
# Default binary: .build/debug/tlsdiag (what scripts/test.sh builds). Generated files: bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/bench.py "${2:-tiny}" --binary "${1:-.build/debug/tlsdiag}" --truth-only
