#!/usr/bin/env bash
# Runs every test of quizbot against a real PostgreSQL and Redis that it
# starts on loopback with throwaway data (installing them if missing), then
# stops them. With arguments, only `go test ARGS` runs (e.g. -run TestImport ./importer/).
set -euo pipefail
cd "$(dirname "$0")/.."

export PG_PORT=${PG_PORT:-55433} REDIS_PORT=${REDIS_PORT:-56380}
data=$(mktemp -d /tmp/quizbot-test.XXXXXX)
cleanup() { scripts/services.sh stop "$data"; rm -rf "$data"; }
trap cleanup EXIT
scripts/services.sh start "$data"

export QUIZBOT_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
export QUIZBOT_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
# The web chat is tested in a real headless browser.
if [ ! -x /usr/bin/chromium ]; then
	echo "test: installing chromium from the Debian packages" >&2
	if [ "$(id -u)" = 0 ]; then sudo=""; else sudo=sudo; fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
# Emoji as a phone shows them, so that the screenshots look like the real
# thing (Chromium draws empty boxes without a colour emoji font).
if [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then
	if [ "$(id -u)" = 0 ]; then sudo=""; else sudo=sudo; fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends fonts-noto-color-emoji >/dev/null ||
		echo "test: fonts-noto-color-emoji not installed; screenshots will show boxes for emoji" >&2
fi
export QUIZBOT_TEST_CHROMIUM=/usr/bin/chromium
# The browser tests' screenshots (web chat and console, at phone and desktop
# widths) are kept here, for people to look at after a run.
export QUIZBOT_TEST_ARTIFACTS=${QUIZBOT_TEST_ARTIFACTS:-$PWD/test-artifacts}

if [ $# -eq 0 ]; then
	# The whole suite: formatting and vet first, then every package.
	unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
	if [ -n "$unformatted" ]; then echo "gofmt needed: $unformatted" >&2; exit 1; fi
	go vet ./...
	go test -count=1 -timeout 30m ./...
	echo "test: $(find "$QUIZBOT_TEST_ARTIFACTS" -name '*.png' 2>/dev/null | wc -l) screenshots of the web chat and the console in $QUIZBOT_TEST_ARTIFACTS"
else
	# Arguments go to go test as they are: scripts/test.sh -run TestImport ./importer/
	go test -count=1 -timeout 30m "$@"
fi
