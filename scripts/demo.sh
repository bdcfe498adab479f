#!/usr/bin/env bash
# One command on a fresh machine: install what is missing, build, analyse a bundled capture.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product tlsdiag >&2
exec .build/release/tlsdiag analyze "${@:-captures/unknown_ca.pcap}"
