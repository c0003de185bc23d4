#!/usr/bin/env bash
# Several replicas behind one address, proven and measured: three (then one
# and two) `quizbot serve` processes behind nginx over one PostgreSQL and
# one Redis, a whole round of answers through nginx to the Telegram webhook
# (the in-repo fake Bot API answers the replies), one replica killed with
# SIGKILL in the middle while `quizbot notify remind` runs; every
# acknowledged answer must be in `report results` once, every reminder
# sent once. See cmd/quizbot/replicas_test.go and BENCHMARKS.md.
#
#   scripts/replicas.sh                 # from a clean clone, on Debian with Go
#
# Installs nginx (and PostgreSQL and Redis, through scripts/services.sh)
# from the Debian packages when missing, with sudo unless root. Settings:
# PG_PORT and REDIS_PORT (default 55435, 56382) for the throwaway servers,
# QUIZBOT_REPLICAS_PORT (default 58070: nginx and the replicas listen on
# free ports of 127.0.0.1 from it to it + 9), QUIZBOT_REPLICAS_MEMBERS (default 1000 members of 10
# answers each per scenario), QUIZBOT_REPLICAS_REPEAT (default 1: how many
# times the 1, 2 and 3 replica runs are repeated, alternated).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
nginx=$(command -v nginx || true)
[ -n "$nginx" ] || [ ! -x /usr/sbin/nginx ] || nginx=/usr/sbin/nginx
if [ -z "$nginx" ]; then
	echo "replicas: installing nginx from the Debian packages" >&2
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends nginx >/dev/null
	nginx=/usr/sbin/nginx
fi

export PG_PORT=${PG_PORT:-55435} REDIS_PORT=${REDIS_PORT:-56382}
data=$(mktemp -d /tmp/quizbot-replicas.XXXXXX)
cleanup() { scripts/services.sh stop "$data"; rm -rf "$data"; }
trap cleanup EXIT
scripts/services.sh start "$data"

go build -o "$data/quizbot" ./cmd/quizbot
export QUIZBOT_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
export QUIZBOT_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export QUIZBOT_REPLICAS_BIN="$data/quizbot" QUIZBOT_NGINX="$nginx"
go test -count=1 -timeout 60m -run '^TestReplicas$' -v ./cmd/quizbot/
