#!/usr/bin/env bash
# Runs every Fuzz target of the repository for the given time each
# (default 20s): `make fuzz FUZZTIME=1m`. Crashers land in the package's
# testdata/fuzz/<Target>/ and must be committed with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-20s}"
status=0
while IFS= read -r file; do
	pkg="./$(dirname "$file")"
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
		echo "== $pkg $target ($fuzztime)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 500x "$pkg" || status=1
	done
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | sort)
exit $status
