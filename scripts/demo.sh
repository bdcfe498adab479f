#!/usr/bin/env bash
# One command on a fresh machine: install what is missing, build, analyse a bundled capture.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The Swift runtime is linked in: faster start (most of the wait for a small capture), no Swift libraries needed
# at run time (libpcap, OpenSSL and jemalloc are, from the packages scripts/setup.sh installs).
swift build -c release --static-swift-stdlib --product tlsdiag >&2
exec .build/release/tlsdiag analyze "${@:-captures/unknown_ca.pcap}"
