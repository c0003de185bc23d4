#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis run on loopback for quizbot.
#   scripts/services.sh start DIR   install (Debian packages) if missing, start both with data in DIR
#   scripts/services.sh stop DIR    stop what start started in DIR, and nothing else
#   scripts/services.sh env DIR     print DATABASE_URL / REDIS_URL exports for DIR's servers:
#                                   eval "$(scripts/services.sh env DIR)"
# Ports: PG_PORT (default 55432) and REDIS_PORT (default 56379), chosen away
# from the defaults so that a system-wide server does not get in the way.
# start records the ports it used in DIR/ports, so that env and stop need
# neither variable again: stop shuts down only the Redis whose process id
# start recorded (DIR/redis.pid), never another one on the same port.
set -euo pipefail

cmd=${1:?usage: services.sh start|stop|env DIR}
dir=${2:?usage: services.sh start|stop|env DIR}
# Postgres needs an absolute data directory (its lock file is relative to it).
case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac
ports_file=$dir/ports

# recorded NAME: the port start recorded for NAME (PG_PORT or REDIS_PORT) in DIR.
recorded() { [ -f "$ports_file" ] || return 0; sed -n "s/^$1=\([0-9]*\)\$/\1/p" "$ports_file" | tail -n 1; }

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

# pg_running_port: the port of DIR's PostgreSQL when it runs (its postmaster.pid says).
pg_running_port() {
	local bin; bin=$(pg_bin)
	[ -n "$bin" ] && [ -f "$dir/pg/postmaster.pid" ] && run_pg "$bin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1 &&
		sed -n '4p' "$dir/pg/postmaster.pid"
}

# redis_ours PORT: is the Redis answering on PORT the one start launched
# from DIR (its process id is the one in DIR/redis.pid)?
redis_ours() {
	local pid running
	[ -s "$dir/redis.pid" ] || return 1
	pid=$(cat "$dir/redis.pid")
	running=$(redis-cli -h 127.0.0.1 -p "$1" info server 2>/dev/null | tr -d '\r' | sed -n 's/^process_id://p')
	[ -n "$running" ] && [ "$running" = "$pid" ]
}

start() {
	install_missing
	mkdir -p "$dir"
	# Ports: what DIR's servers already run on, else PG_PORT and REDIS_PORT,
	# else what an earlier start recorded, else the defaults.
	local pg_port redis_port running
	pg_port=${PG_PORT:-$(recorded PG_PORT)}
	pg_port=${pg_port:-55432}
	if running=$(pg_running_port) && [ -n "$running" ]; then
		[ "$running" = "$pg_port" ] || log "postgres of $dir already runs on port $running (not $pg_port): using it"
		pg_port=$running
	fi
	redis_port=${REDIS_PORT:-$(recorded REDIS_PORT)}
	redis_port=${redis_port:-56379}
	running=$(recorded REDIS_PORT)
	if [ -n "$running" ] && [ "$running" != "$redis_port" ] && redis_ours "$running"; then
		log "redis of $dir already runs on port $running (not $redis_port): using it"
		redis_port=$running
	fi
	if ! redis_ours "$redis_port" && redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
		# Someone else's Redis: quizbot must not write into it, and stop
		# must not shut it down.
		log "a Redis that $dir did not start already answers on 127.0.0.1:$redis_port: choose another REDIS_PORT"
		exit 1
	fi
	local bin; bin=$(pg_bin)
	local pgdata="$dir/pg"
	if [ ! -f "$pgdata/PG_VERSION" ]; then
		mkdir -p "$pgdata"
		chown "$(pg_user)" "$dir" "$pgdata"
		run_pg "$bin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	fi
	if ! run_pg "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
		run_pg "$bin/pg_ctl" -D "$pgdata" -l "$dir/pg.log" -w -t 60 start \
			-o "-h 127.0.0.1 -p $pg_port -k $pgdata -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
	fi
	if ! redis_ours "$redis_port"; then
		redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir" --save "" --appendonly no --databases 4096 \
			--daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
		for _ in $(seq 1 100); do redis_ours "$redis_port" && break; sleep 0.1; done
	fi
	if ! redis_ours "$redis_port"; then
		log "redis did not start on 127.0.0.1:$redis_port; its log:"
		cat "$dir/redis.log" >&2 2>/dev/null || true
		exit 1
	fi
	printf 'PG_PORT=%s\nREDIS_PORT=%s\n' "$pg_port" "$redis_port" >"$ports_file"
	psql -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='quizbot'" | grep -q 1 ||
		psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE ROLE quizbot LOGIN SUPERUSER PASSWORD 'quizbot'"
	psql -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='quizbot'" | grep -q 1 ||
		psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE quizbot OWNER quizbot"
	log "postgres on 127.0.0.1:$pg_port, redis on 127.0.0.1:$redis_port (data in $dir)"
}

# stop stops DIR's PostgreSQL and the Redis that start launched from DIR,
# found by the ports and process id recorded there: PG_PORT and REDIS_PORT
# play no part, so another Redis on a default port is never touched.
stop() {
	local bin; bin=$(pg_bin)
	if [ -n "$bin" ] && [ -f "$dir/pg/PG_VERSION" ]; then
		run_pg "$bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
	fi
	local port; port=$(recorded REDIS_PORT)
	if [ -n "$port" ] && redis_ours "$port"; then
		redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
	elif [ -s "$dir/redis.pid" ]; then
		log "the Redis recorded in $dir (pid $(cat "$dir/redis.pid"), port ${port:-unknown}) is not running: nothing to stop"
	fi
}

case "$cmd" in
start) start ;;
stop) stop ;;
env)
	# The ports start recorded; before any start, the ones it would use.
	pg_port=$(recorded PG_PORT) redis_port=$(recorded REDIS_PORT)
	pg_port=${pg_port:-${PG_PORT:-55432}} redis_port=${redis_port:-${REDIS_PORT:-56379}}
	echo "export DATABASE_URL='postgres://quizbot:quizbot@127.0.0.1:$pg_port/quizbot?sslmode=disable'"
	echo "export REDIS_URL='redis://127.0.0.1:$redis_port/0'"
	;;
*) echo "usage: services.sh start|stop|env DIR" >&2; exit 2 ;;
esac
