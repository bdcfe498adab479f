#!/usr/bin/env bash
# Installs the Debian packages tlsdiag needs to build and test, when they are missing.
set -euo pipefail
need=()
for p in libpcap-dev libssl-dev libjemalloc-dev ca-certificates tcpdump openssl python3 iproute2; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Python helpers for the report tests (JSON Schema validation, GitHub-flavoured Markdown rendering)
# and the benchmark generator (cryptography) used by the truth check;
# without them those tests fall back to structural checks.
python3 -c "import jsonschema, cmarkgfm, cryptography" 2>/dev/null || python3 -m pip install --quiet jsonschema cmarkgfm cryptography >/dev/null 2>&1 \
  || echo "setup: could not install jsonschema/cmarkgfm; schema tests fall back to structural checks" >&2
