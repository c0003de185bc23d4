#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis run on loopback for quizbot.
#   scripts/services.sh start DIR   install (Debian packages) if missing, start both with data in DIR
#   scripts/services.sh stop DIR    stop what start started
#   scripts/services.sh env DIR     print DATABASE_URL / REDIS_URL exports for DIR
# Ports: PG_PORT (default 55432) and REDIS_PORT (default 56379), chosen away
# from the defaults so that a system-wide server does not get in the way.
set -euo pipefail

cmd=${1:?usage: services.sh start|stop|env DIR}
dir=${2:?usage: services.sh start|stop|env DIR}
# Postgres needs an absolute data directory (its lock file is relative to it).
case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac
PG_PORT=${PG_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}

log() { printf 'services: %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_missing() {
	local pkgs=()
	[ -n "$(pg_bin)" ] || pkgs+=(postgresql)
	command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
	if [ ${#pkgs[@]} -gt 0 ]; then
		log "installing ${pkgs[*]} from the Debian packages"
		as_root apt-get update -qq
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
	fi
}

# Postgres refuses to run as root: run it as the postgres user the package made.
pg_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }
run_pg() {
	local u; u=$(pg_user)
	# From /: the postgres user may not be allowed into the caller's directory.
	if [ "$(id -un)" = "$u" ]; then "$@"; else (cd / && runuser -u "$u" -- "$@"); fi
}

start() {
	install_missing
	mkdir -p "$dir"
	local bin; bin=$(pg_bin)
	local pgdata="$dir/pg"
	if [ ! -f "$pgdata/PG_VERSION" ]; then
		mkdir -p "$pgdata"
		chown "$(pg_user)" "$dir" "$pgdata"
		run_pg "$bin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	fi
	if ! run_pg "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
		run_pg "$bin/pg_ctl" -D "$pgdata" -l "$dir/pg.log" -w -t 60 start \
			-o "-h 127.0.0.1 -p $PG_PORT -k $pgdata -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
	fi
	if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
		redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" --save "" --appendonly no --databases 4096 \
			--daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
		for _ in $(seq 1 100); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
	fi
	if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
		log "redis did not start on 127.0.0.1:$REDIS_PORT; its log:"
		cat "$dir/redis.log" >&2 2>/dev/null || true
		exit 1
	fi
	psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='quizbot'" | grep -q 1 ||
		psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE ROLE quizbot LOGIN SUPERUSER PASSWORD 'quizbot'"
	psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='quizbot'" | grep -q 1 ||
		psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE quizbot OWNER quizbot"
	log "postgres on 127.0.0.1:$PG_PORT, redis on 127.0.0.1:$REDIS_PORT (data in $dir)"
}

stop() {
	local bin; bin=$(pg_bin)
	if [ -n "$bin" ] && [ -f "$dir/pg/PG_VERSION" ]; then
		run_pg "$bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
	fi
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

case "$cmd" in
start) start ;;
stop) stop ;;
env)
	echo "export DATABASE_URL='postgres://quizbot:quizbot@127.0.0.1:$PG_PORT/quizbot?sslmode=disable'"
	echo "export REDIS_URL='redis://127.0.0.1:$REDIS_PORT/0'"
	;;
*) echo "usage: services.sh start|stop|env DIR" >&2; exit 2 ;;
esac
