#!/usr/bin/env bash
# Measures every report command at a given size against the quizbot binary:
# wall time and peak resident memory (/usr/bin/time), one process per
# report, as an operator runs them. See BENCHMARKS.md.
#
#   scripts/scale.sh [DIR] [-- SEED FLAGS]
#
# DIR (default .data/scale) keeps a PostgreSQL started by scripts/services.sh
# (PG_PORT, REDIS_PORT as there); an empty database there is first seeded
# by `go run ./scripts/seed` (the national round by default: 1,890 units,
# 600,000 members, 1,000,000 attempts of 20 answers; several minutes and
# about 4 GB of disk), once. REPORTS, when set, lists the reports to run
# (e.g. REPORTS="results units"); QUIZBOT_BIN, a quizbot binary to measure
# instead of building bin/quizbot from this tree.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-.data/scale}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift

scripts/services.sh start "$dir" >/dev/null
eval "$(scripts/services.sh env "$dir")"
bin=${QUIZBOT_BIN:-bin/quizbot}
[ -n "${QUIZBOT_BIN:-}" ] || go build -o bin/quizbot ./cmd/quizbot
# Seeded already? (The table may not exist yet: ask for it before its rows.)
if [ "$(psql "$DATABASE_URL" -tAc "SELECT to_regclass('units') IS NOT NULL")" != t ] ||
	[ "$(psql "$DATABASE_URL" -tAc "SELECT EXISTS (SELECT 1 FROM units)")" != t ]; then
	go run ./scripts/seed "$@"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

declare -A cmds=(
	[results]="results --round 1"
	[results.xlsx]="results --round 1 --out $out/results.xlsx"
	[units]="units --round 1"
	[absent]="absent --round 1"
	[absent.xlsx]="absent --round 1 --out $out/absent.xlsx"
	[prizes-round]="prizes --round 1"
	[prizes-contest]="prizes --contest"
	[prizes-units]="prizes --contest --units"
	[zeros]="zeros --round 1"
	[questions]="questions --round 1"
	[signals]="signals --round 1"
	[workbook]="workbook --round 1 --out $out/workbook.xlsx"
)
order="results results.xlsx units absent absent.xlsx prizes-round prizes-contest prizes-units zeros questions signals workbook"
printf '%s, %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(psql "$DATABASE_URL" -tAc "SELECT count(*) || ' attempts, ' || (SELECT count(*) FROM answers) || ' answers' FROM attempts")"
printf '%-15s %9s %12s %10s %8s  %s\n' report wall_s quizbot_cpu_s max_rss_MB out_MB "load (1 min) before"
for r in ${REPORTS:-$order}; do
	load=$(cut -d' ' -f1 /proc/loadavg)
	# shellcheck disable=SC2086
	/usr/bin/time -f '%e %M %U %S' -o "$out/time" "$bin" report ${cmds[$r]} >"$out/stdout" 2>"$out/stderr" || {
		echo "$r failed:" >&2; cat "$out/stderr" >&2; continue
	}
	read -r wall rss user sys <"$out/time"
	size=$(du -b "$out/stdout" | cut -f1)
	for f in "$out"/*.xlsx; do [ -e "$f" ] && size=$((size + $(du -b "$f" | cut -f1))) && rm -f "$f"; done
	printf '%-15s %9s %12.2f %10d %8.1f  %s\n' "$r" "$wall" "$(echo "$user + $sys" | bc -l)" $((rss / 1024)) "$(echo "$size / 1048576" | bc -l)" "$load"
done
