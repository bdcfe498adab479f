#!/usr/bin/env bash
# Renders a capture to the HTML report and screenshots it with headless Chromium (Debian `chromium`),
# so the report is looked at, not only generated.
#
#   scripts/render-report.sh CAPTURE [OUT.png] [WIDTHxHEIGHT] [-- extra tlsdiag analyze options]
#
# Defaults: OUT = docs/images/<capture name>.png, size 1200x1800. With KEEP_HTML=1 the HTML report is
# kept next to the PNG (OUT.html) to open in a browser. Needs a built tlsdiag (TLSDIAG=path overrides;
# otherwise .build-reports/debug/tlsdiag, .build/debug/tlsdiag or tlsdiag on PATH).
# PNGs are recompressed with pngquant/optipng when present (the README images must stay < 300 KB).
set -euo pipefail

capture=${1:?usage: scripts/render-report.sh CAPTURE [OUT.png] [WIDTHxHEIGHT] [-- tlsdiag options]}
shift
out=${1:-}
[[ "$out" == "--" ]] && out=""
[[ -n "$out" ]] && shift || true
size=${1:-}
[[ "$size" == "--" ]] && size=""
[[ -n "$size" ]] && shift || true
[[ "${1:-}" == "--" ]] && shift || true
size=${size:-1200x1800}
name=$(basename "${capture%.*}")
out=${out:-docs/images/$name.png}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
if [[ "${KEEP_HTML:-0}" == 1 ]]; then html=${out%.png}.html; else html=$profile/report.html; fi

tlsdiag=${TLSDIAG:-}
if [[ -z "$tlsdiag" ]]; then
  for c in .build-reports/debug/tlsdiag .build/debug/tlsdiag .build/release/tlsdiag; do
    [[ -x "$c" ]] && { tlsdiag=$c; break; }
  done
fi
tlsdiag=${tlsdiag:-tlsdiag}

browser=""
for b in chromium chromium-browser google-chrome; do
  command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
[[ -n "$browser" ]] || { echo "render-report: no chromium found (apt-get install -y chromium)" >&2; exit 2; }

mkdir -p "$(dirname "$out")"
# Exit status 1 only means "findings found": the report is still written.
"$tlsdiag" analyze "$capture" --format html -o "$html" --fail-on never "$@"

"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size="${size/x/,}" --screenshot="$out" "file://$(realpath "$html")" >/dev/null 2>&1

if command -v pngquant >/dev/null 2>&1; then
  pngquant --force --skip-if-larger --quality=70-95 --output "$out" -- "$out" || true
elif command -v optipng >/dev/null 2>&1; then
  optipng -quiet -o2 "$out" || true
fi
echo "$out ($(du -k "$out" | cut -f1) KB)${KEEP_HTML:+, $html}"
