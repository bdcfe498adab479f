#!/bin/sh
# Callgrind helpers (see docs/HELPERS.md "Speed work"): top functions of a callgrind file.
# usage: top.sh FILE [N] [--inclusive]
f=$1; n=${2:-60}; inc=${3:-no}
callgrind_annotate --inclusive=$inc "$f" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | sed -E 's/\( *[0-9.]+%\) +//; s/ \[[^]]*\]$//; s/\?\?\?://' | head -$n | cut -c1-180
