#!/bin/sh
# Callgrind helpers: who calls a function (TREEFILE from callgrind_annotate --tree=caller, demangled).
# usage: callers.sh TREEFILE 'regex of the * line' [N]
f=$1; pat=$2; n=${3:-25}
line=$(grep -n "^ *[0-9,]* ([ 0-9.]*%)  \*  .*$pat" "$f" | head -1 | cut -d: -f1)
[ -z "$line" ] && { echo "no match"; exit 1; }
awk -v L=$line 'NR<L && /^$/ {start=NR} NR==L {print "callers of: " $0; exit}' "$f"
start=$(awk -v L=$line 'NR<L && /^$/ {s=NR} NR==L {print s; exit}' "$f")
sed -n "$((start+1)),$((line-1))p" "$f" | sed 's/,//g' | sort -rn | head -$n | cut -c1-190
