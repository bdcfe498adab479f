#!/bin/bash
# Writes every report format of every fixture capture (and the 50 MB bench capture, when generated)
# to OUTDIR, so two builds can be compared byte for byte: a speed change must not change one byte.
#   scripts/output-snapshot.sh BINARY OUTDIR     then: diff -r OLD NEW
set -u
B=$(realpath "$1"); O=$2; mkdir -p "$O"
cd "$(dirname "$0")/.."
for f in captures/*.pcap*; do
  n=$(basename "$f")
  for fmt in json jsonl text markdown html; do
    "$B" analyze --format $fmt "$f" > "$O/$n.$fmt" 2>"$O/$n.$fmt.err"; echo $? >> "$O/$n.$fmt.err"
  done
  "$B" analyze --format json --redact "$f" > "$O/$n.redact.json" 2>"$O/$n.redact.err"; echo $? >> "$O/$n.redact.err"
done
if [ -f bench/out/small.pcap ]; then
  "$B" analyze --format json bench/out/small.pcap > "$O/small.json" 2>"$O/small.err"; echo $? >> "$O/small.err"
fi
