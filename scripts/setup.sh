#!/usr/bin/env bash
# Installs the Debian packages tlsdiag needs to build and test, when they are missing.
set -euo pipefail
need=()
for p in libpcap-dev libssl-dev ca-certificates tcpdump openssl python3 iproute2; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
