#!/bin/sh
# Callgrind helpers: what a function calls (CALLINGTREE from callgrind_annotate --tree=calling).
# usage: children.sh CALLINGTREE 'regex of the * line' [N]
f=$1; pat=$2; n=${3:-25}
swift demangle --simplified < $f > $f.dm 2>/dev/null || true
line=$(grep -n "^ *[0-9,]* ([ 0-9.]*%)  \*  .*$pat" "$f.dm" | head -1 | cut -d: -f1)
[ -z "$line" ] && { echo "no match"; exit 1; }
sed -n "${line}p" "$f.dm" | cut -c1-160
end=$(awk -v L=$line 'NR>L && /^$/ {print NR; exit}' "$f.dm")
sed -n "$((line+1)),$((end-1))p" "$f.dm" | sed 's/,//g' | sort -rn | head -$n | cut -c1-170
