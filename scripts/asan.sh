#!/usr/bin/env bash
# The test suite under AddressSanitizer (and LeakSanitizer, with XCTest's own leaks suppressed).
#
#   scripts/asan.sh            every test (slow: a clean ASan build plus the whole suite, roughly
#                              3-4x the plain `swift test` time; meant for before a release, not CI)
#   scripts/asan.sh --quick    the CI-sized run: the parsers' and robustness tests only
#                              (WireCore, Packets, TLSWire, X509Inspect, Robustness)
#   scripts/asan.sh ARGS...    anything else is passed to `swift test` (e.g. --filter FloodTests)
#
# Only Swift code is instrumented: libpcap and OpenSSL are the system libraries, but their heap
# blocks get ASan's redzones too, so our reads past a libpcap frame or an OpenSSL buffer are caught.
set -euo pipefail
cd "$(dirname "$0")/.."
ARGS=()
if [ "${1:-}" = "--quick" ]; then
    shift
    ARGS=(--filter 'WireCoreTests|PacketsTests|TLSWireTests|X509InspectTests|RobustnessTests')
fi
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_stack_use_after_return=0:strict_string_checks=1}"
# Swift's backtracer would take ASan's reports' signals and print its own trace instead.
export SWIFT_BACKTRACE=enable=no
scripts/setup.sh >/dev/null
swift build --build-tests --sanitize=address --scratch-path .build-asan
exec swift test --skip-build --sanitize=address --scratch-path .build-asan "${ARGS[@]}" "$@"
