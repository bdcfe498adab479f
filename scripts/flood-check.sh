#!/usr/bin/env bash
# Floods: generates hostile captures (scripts/make-floods.py, into fuzz/out/floods/, git-ignored),
# analyses each with a release build of tlsdiag under /usr/bin/time -v, and checks that
#   - peak memory (max RSS) stays under FLOOD_MAX_RSS_MB (default 384; measured 223-255 MB),
#   - the limits that must fire are recorded on the connections (anomalies) and in the input's
#     counters (connections_finished_by_limit), and every connection is still reported.
#
#   scripts/flood-check.sh                 full size (1M SYNs, 50k hellos, 16 MB garbage, ...)
#   scripts/flood-check.sh --scale 0.05    small versions (quick)
#   TLSDIAG=path/to/tlsdiag scripts/flood-check.sh   use an existing binary
set -uo pipefail
cd "$(dirname "$0")/.."
SCALE=1
[ "${1:-}" = "--scale" ] && SCALE=$2
MAX_RSS_MB=${FLOOD_MAX_RSS_MB:-384}
OUT=fuzz/out/floods
[ "$SCALE" != 1 ] && OUT=fuzz/out/floods-$SCALE
mkdir -p "$OUT"

if [ -z "${TLSDIAG:-}" ]; then
    echo "== building tlsdiag (release)"
    swift build -c release --static-swift-stdlib --product tlsdiag --scratch-path .build-floods 2>&1 | grep -E "error|Build complete"
    TLSDIAG=.build-floods/release/tlsdiag
fi
[ -x "$TLSDIAG" ] || { echo "flood-check: no tlsdiag binary at $TLSDIAG" >&2; exit 1; }

if [ ! -f "$OUT/ooo_segments.pcap" ] || [ scripts/make-floods.py -nt "$OUT/ooo_segments.pcap" ]; then
    echo "== generating floods (scale $SCALE) into $OUT"
    python3 scripts/make-floods.py "$OUT" --scale "$SCALE" || exit 1
fi

status=0
results=()
check() {
    local name=$1; shift
    local f="$OUT/$name.pcap"
    echo "== $name ($(du -h "$f" | cut -f1))"
    /usr/bin/time -v -o "$OUT/$name.time" "$TLSDIAG" analyze "$f" --format json --fail-on never 2> "$OUT/$name.stderr" \
        | python3 scripts/make-floods.py --summarize "$@"
    local rcs=("${PIPESTATUS[@]}")
    local rss_kb secs
    rss_kb=$(grep "Maximum resident set size" "$OUT/$name.time" | grep -o '[0-9]*$')
    secs=$(grep "Elapsed (wall clock)" "$OUT/$name.time" | grep -o '[0-9:.]*$')
    local rss_mb=$((rss_kb / 1024))
    local verdict=ok
    if [ "${rcs[0]}" != 0 ]; then verdict="tlsdiag exit ${rcs[0]}: $(tail -1 "$OUT/$name.stderr")"; status=1; fi
    if [ "${rcs[1]}" != 0 ]; then verdict="expectations failed"; status=1; fi
    if [ "$rss_mb" -gt "$MAX_RSS_MB" ]; then verdict="peak memory $rss_mb MB > $MAX_RSS_MB MB"; status=1; fi
    results+=("$(printf '%-18s peak %5d MB  %9s  %s' "$name" "$rss_mb" "$secs" "$verdict")")
    echo "   peak $rss_mb MB, $secs: $verdict"
}

N_SYN=$(python3 -c "print(int(1_000_000 * $SCALE))")
N_HELLO=$(python3 -c "print(int(50_000 * $SCALE))")
check syn_flood min_connections="$N_SYN" $( [ "$N_SYN" -gt 50000 ] && echo finished_by_limit )
check hello_flood min_connections="$N_HELLO"
check garbage_stream min_connections=1
check malformed_records min_connections=1 anomaly_limit
check ooo_segments min_connections=1 reassembly_limit tcp_gap

echo
echo "== floods (scale $SCALE, bound $MAX_RSS_MB MB)"
for r in "${results[@]}"; do echo "   $r"; done
exit $status
