#!/usr/bin/env bash
# Benchmark tlsdiag against the libpcap floor, tshark and ssldump: bench/README.md.
#   bench/run.sh [tiny|small|big|huge] [--no-tshark] [--runs N] [--no-build] [--binary PATH] [--jobs N]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "bench: /usr/bin/time missing: apt-get install -y time" >&2; exit 2; }
exec python3 bench/bench.py "$@"
