#!/usr/bin/env bash
# Runs quizbot on this machine with the sample province of examples/ and a
# demo contest whose round 1 is open now. Needs only Go on Debian (or a
# Docker engine with the compose plugin):
#   1. makes sure PostgreSQL and Redis run on loopback (scripts/services.sh
#      installs them from the Debian packages when missing; data in .data/),
#   2. builds bin/quizbot, migrates, imports examples/units.csv, members.csv,
#      questions.csv, applies the demo contest (.data/demo-contest.yaml),
#   3. serves: live on Telegram with TELEGRAM_TOKEN, otherwise the local web
#      chat at http://127.0.0.1:8081/chat (WEBCHAT_ADDR; loopback only: it
#      has no login, so it is never served from Docker either).
# Running it again is safe: imports are upserts and the contest is re-applied.
#
# Environment (besides quizbot's own, see README.md):
#   QUIZBOT_NO_DOCKER=1   never use docker compose, even where a Docker engine runs
#   QUIZBOT_DEMO_PHONE    your phone number: added to the sample roster (as an
#                         organizer of Sở Nội vụ) so that you can verify
#                         yourself on Telegram; QUIZBOT_DEMO_NAME names you
#   PG_PORT, REDIS_PORT   loopback ports of the local services (55432, 56379)
#   DATABASE_URL, REDIS_URL  when both are set, use those servers instead
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'run: %s\n' "$*" >&2; }
die() { printf 'run: %s\n' "$*" >&2; exit 1; }

data=.data
# scripts/services.sh wants an absolute directory (PostgreSQL resolves its socket
# directory from its own data directory).
services=$PWD/$data/services
reset_hint=
ops_hint=
demo_tmpl=examples/demo-contest.yaml.tmpl
demo_file=$data/demo-contest.yaml
members_file=examples/members.csv
mkdir -p "$data"

# Vietnam keeps UTC+7 all year: a POSIX TZ string needs no tzdata on the host.
vn_date() { TZ='<+07>-7' date "$@"; }

# round1_open FILE: is now between the first opens_at and closes_at of FILE?
round1_open() {
	local opens closes now
	opens=$(sed -n 's/^ *opens_at: *"\([^"]*\)".*/\1/p;T;q' "$1")
	closes=$(sed -n 's/^ *closes_at: *"\([^"]*\)".*/\1/p;T;q' "$1")
	[ -n "$opens" ] && [ -n "$closes" ] || return 1
	opens=$(vn_date -d "$opens" +%s 2>/dev/null) || return 1
	closes=$(vn_date -d "$closes" +%s 2>/dev/null) || return 1
	now=$(date +%s)
	[ "$opens" -le "$now" ] && [ "$now" -lt "$closes" ]
}

# render_demo fills the template's dates so that round 1 opened yesterday at
# 07:30 and closes in 6 days at 17:00, and rounds 2-4 follow weekly. A file
# rendered earlier is kept while its round 1 is open: once a round has
# attempts its dates can no longer change.
render_demo() {
	if [ -f "$demo_file" ] && [ ! "$demo_tmpl" -nt "$demo_file" ] && round1_open "$demo_file"; then
		say "demo contest: keeping $demo_file (its round 1 is open)"
		return
	fi
	local now args=() r first last opens closes
	now=$(date +%s)
	for r in 1 2 3 4; do
		# Days from today: round 1 from yesterday to day 6, round r from
		# day 7(r-1) to day 7(r-1)+6.
		first=$((7 * (r - 1))) last=$((7 * (r - 1) + 6))
		[ "$r" != 1 ] || first=-1
		opens="$(vn_date -d "@$((now + first * 86400))" +%F) 07:30"
		closes="$(vn_date -d "@$((now + last * 86400))" +%F) 17:00"
		args+=(-e "s/{{ROUND${r}_OPENS_AT}}/$opens/" -e "s/{{ROUND${r}_CLOSES_AT}}/$closes/")
	done
	sed "${args[@]}" "$demo_tmpl" >"$demo_file.tmp"
	if grep -q '{{[A-Z0-9_]*}}' "$demo_file.tmp"; then
		die "demo contest: $demo_tmpl has a placeholder this script does not fill: $(grep -o '{{[A-Z0-9_]*}}' "$demo_file.tmp" | head -n 1)"
	fi
	chmod a+r "$demo_file.tmp"
	mv "$demo_file.tmp" "$demo_file"
	say "demo contest: round 1 open $(sed -n 's/^ *opens_at: *"\([^"]*\)".*/\1/p;T;q' "$demo_file") – $(sed -n 's/^ *closes_at: *"\([^"]*\)".*/\1/p;T;q' "$demo_file") (Asia/Ho_Chi_Minh)"
}

# With QUIZBOT_DEMO_PHONE, the roster imported is the sample one plus the
# person running the demo, so that they can verify themselves on Telegram.
roster() {
	if [ -z "${QUIZBOT_DEMO_PHONE:-}" ]; then
		members_file=examples/members.csv
		return
	fi
	members_file=$data/members.csv
	local name=${QUIZBOT_DEMO_NAME:-Người dùng thử}
	case "$name$QUIZBOT_DEMO_PHONE" in
	*[,\"]*) die "QUIZBOT_DEMO_NAME and QUIZBOT_DEMO_PHONE must not contain a comma or a double quote" ;;
	esac
	{
		cat examples/members.csv
		printf '%s,%s,SNV,Người dùng thử,organizer\n' "$name" "$QUIZBOT_DEMO_PHONE"
	} >"$members_file"
	chmod a+r "$members_file"
	say "roster: the sample members plus $name ($QUIZBOT_DEMO_PHONE, organizer at Sở Nội vụ)"
}

# A webhook needs a secret that only Telegram and quizbot know: make one once.
webhook_secret() {
	if [ -n "${TELEGRAM_TOKEN:-}" ] && [ -n "${PUBLIC_URL:-}" ] && [ -z "${TELEGRAM_WEBHOOK_SECRET:-}" ]; then
		local f=$data/telegram-webhook-secret
		if [ ! -s "$f" ]; then
			(umask 077 && head -c 32 /dev/urandom | base64 | tr -d '=\n' | tr '+/' '-_' >"$f")
		fi
		TELEGRAM_WEBHOOK_SECRET=$(cat "$f")
		export TELEGRAM_WEBHOOK_SECRET
		say "TELEGRAM_WEBHOOK_SECRET: using the one kept in $f"
	fi
}

# webchat_on: does serve run the web chat with this environment (config.Load's rule)?
webchat_on() {
	case "${WEBCHAT:-}" in
	1 | true) return 0 ;;
	0 | false) return 1 ;;
	esac
	[ -z "${TELEGRAM_TOKEN:-}" ] && [ -z "${PUBLIC_URL:-}" ]
}

# next_steps BASE_URL CHAT_URL prints how to use what is about to start;
# CHAT_URL is empty where the web chat is not served.
next_steps() {
	local base_url=$1 chat_url=$2
	echo
	echo "────────────────────────────────────────────────────────────────────"
	if [ -n "${TELEGRAM_TOKEN:-}" ]; then
		if [ -n "${PUBLIC_URL:-}" ]; then
			echo " quizbot is live on Telegram through a webhook at $PUBLIC_URL/webhook/telegram."
		else
			echo " quizbot is live on Telegram (long polling: no public URL needed)."
		fi
		echo " Open your bot in Telegram and send /start, then share your phone number."
		if [ -n "${QUIZBOT_DEMO_PHONE:-}" ]; then
			echo " Your number ${QUIZBOT_DEMO_PHONE} is on the roster: then send /thi for the quiz."
		else
			echo " Only numbers on the roster can verify: rerun with QUIZBOT_DEMO_PHONE=<your number>"
			echo " to add yourself to the sample roster."
		fi
		if [ -n "$chat_url" ]; then
			echo " The local web chat is also at $chat_url (WEBCHAT=1, this machine only)."
		fi
	elif [ -n "$chat_url" ]; then
		echo " No TELEGRAM_TOKEN: try quizbot in the local web chat (this machine only) at"
		echo "     $chat_url"
		echo " Pick a sample member and take the demo quiz: Nguyễn Văn An (a member),"
		echo " Phạm Thị Thu Hà (head of Sở Nội vụ: 📋 Lý do vắng) or Đỗ Thị Lan Anh"
		echo " (organizer: 📊 Thống kê). The search ignores accents: \"dang quang huy\"."
		echo " To go live on Telegram, create a bot with @BotFather and rerun with"
		echo "     TELEGRAM_TOKEN=<token> scripts/run.sh"
		echo " (add PUBLIC_URL=https://… for a webhook; without it quizbot uses long polling)."
	else
		echo " No TELEGRAM_TOKEN and WEBCHAT=0: no chat is served. Rerun without WEBCHAT=0"
		echo " for the local web chat, or with TELEGRAM_TOKEN=<token> for Telegram."
	fi
	echo " Health: $base_url/healthz and $base_url/readyz. Stop with Ctrl-C."
	echo " Operator commands (report, notify, import) on this demo's database, in another shell:"
	echo "     $ops_hint"
	echo " The web console (organizers and heads) at $base_url/console/: the same way,"
	echo "     bin/quizbot console link 0815942026"
	echo " prints a one-time sign-in link for Đỗ Thị Lan Anh, an organizer of the sample roster."
	echo "────────────────────────────────────────────────────────────────────"
	echo
}

# url_for ADDR turns a listen address (:8080, 0.0.0.0:8080, host:port,
# [::1]:8081) into the base URL a browser on this machine opens.
url_for() {
	local addr=$1 host port
	port=${addr##*:}
	host=${addr%:*}
	case "$host" in "" | 0.0.0.0 | "[::]" | "::") host=localhost ;; esac
	echo "http://$host:$port"
}

use_docker() {
	[ -z "${QUIZBOT_NO_DOCKER:-}" ] || return 1
	if [ -z "${TELEGRAM_TOKEN:-}" ]; then
		# The demo is then the web chat, which listens on loopback only and
		# so is never served from a container.
		say "no TELEGRAM_TOKEN: the demo is the local web chat, which runs without Docker"
		return 1
	fi
	command -v docker >/dev/null 2>&1 || return 1
	timeout 30 docker info >/dev/null 2>&1 || return 1
	if ! docker compose version >/dev/null 2>&1; then
		say "a Docker engine runs but the compose plugin is missing: running without Docker"
		return 1
	fi
}

run_docker() {
	say "a Docker engine answers: running with docker compose (QUIZBOT_NO_DOCKER=1 runs without it)"
	reset_hint="docker compose down --volumes && rm -rf $data"
	local mounts=(-v "$PWD/examples:/examples:ro" -v "$PWD/$data:/demo:ro") in_roster=/examples/members.csv
	[ "$members_file" = examples/members.csv ] || in_roster=/demo/members.csv
	docker compose build
	docker compose up -d --wait postgres redis
	docker compose run --rm migrate
	docker compose run --rm --no-deps "${mounts[@]}" quizbot import units /examples/units.csv
	docker compose run --rm --no-deps "${mounts[@]}" quizbot import members "$in_roster"
	docker compose run --rm --no-deps "${mounts[@]}" quizbot import questions /examples/questions.csv
	apply_demo docker compose run --rm --no-deps "${mounts[@]}" quizbot contest apply /demo/demo-contest.yaml
	if [ "${WEBCHAT:-}" = 1 ] || [ "${WEBCHAT:-}" = true ]; then
		say "WEBCHAT=1 is ignored with Docker: the web chat has no login and is never served from a container (QUIZBOT_NO_DOCKER=1 runs it here)"
	fi
	ops_hint="docker compose run --rm -T quizbot report units --round 1"
	next_steps "http://localhost:${QUIZBOT_PORT:-8080}" ""
	exec docker compose up --build quizbot
}

run_local() {
	if ! command -v go >/dev/null 2>&1; then
		[ -x /usr/local/go/bin/go ] || die "Go is needed to build quizbot (https://go.dev/doc/install); a Docker engine runs only the Telegram bot (with TELEGRAM_TOKEN), not the local web chat"
		PATH=$PATH:/usr/local/go/bin
	fi
	if [ -n "${DATABASE_URL:-}" ] && [ -n "${REDIS_URL:-}" ]; then
		say "using DATABASE_URL and REDIS_URL from the environment"
		ops_hint="bin/quizbot report units --round 1   (with the same DATABASE_URL and REDIS_URL)"
	else
		local db=${DATABASE_URL:-} rdb=${REDIS_URL:-}
		# As root, PostgreSQL runs as the postgres user, who must reach the data dir.
		if [ "$(id -u)" = 0 ] && ! world_traversable "$PWD"; then
			services=/var/lib/quizbot-demo/services
			say "$PWD is not reachable by the postgres user: keeping the demo databases in $services"
		fi
		scripts/services.sh start "$services"
		eval "$(scripts/services.sh env "$services")"
		[ -z "$db" ] || DATABASE_URL=$db
		[ -z "$rdb" ] || REDIS_URL=$rdb
		export DATABASE_URL REDIS_URL
		say "PostgreSQL and Redis keep running after quizbot stops; stop them with: scripts/services.sh stop $services"
		ops_hint="eval \"\$(scripts/services.sh env $services)\"; bin/quizbot report units --round 1"
	fi
	reset_hint="scripts/services.sh stop $services && rm -rf $services $data"
	say "building bin/quizbot"
	go build -o bin/quizbot ./cmd/quizbot
	bin/quizbot migrate
	say "importing the sample province"
	local out
	out=$(bin/quizbot import units examples/units.csv)
	say "units: $out"
	out=$(bin/quizbot import members "$members_file")
	say "members ($members_file): $out"
	out=$(bin/quizbot import questions examples/questions.csv)
	say "questions: $out"
	apply_demo bin/quizbot contest apply "$demo_file"
	local chat_url=
	if webchat_on; then chat_url="$(url_for "${WEBCHAT_ADDR:-127.0.0.1:8081}")/chat"; fi
	next_steps "$(url_for "${LISTEN_ADDR:-:8080}")" "$chat_url"
	exec bin/quizbot serve
}

# apply_demo CMD... applies the demo contest and explains the one way it can
# fail on a machine where the demo ran before.
apply_demo() {
	say "applying the demo contest"
	if ! "$@"; then
		say "the demo contest could not be applied (see above). If an earlier demo's round has"
		say "attempts, its dates cannot move: start the demo afresh by removing its data, e.g."
		say "    $reset_hint"
		exit 1
	fi
}

# world_traversable DIR: can every user reach DIR (o+x on it and each parent)?
world_traversable() {
	local d=$1 mode
	while [ "$d" != / ]; do
		mode=$(stat -c %A "$d")
		case "${mode:9:1}" in x | t) ;; *) return 1 ;; esac
		d=$(dirname "$d")
	done
}

render_demo
roster
webhook_secret
if use_docker; then
	run_docker
else
	run_local
fi
