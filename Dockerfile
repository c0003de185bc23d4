# syntax=docker/dockerfile:1
# quizbot's image: a static binary on a small Debian with CA certificates (for
# api.telegram.org), tzdata and curl (for the compose healthcheck).
#   docker build -t quizbot .
#   docker run --rm -e DATABASE_URL=... -e REDIS_URL=... -p 8080:8080 quizbot
# The entrypoint is the quizbot command: `docker run quizbot migrate`,
# `docker run quizbot import units /data/units.csv`, ... (serve by default).

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# CGO_ENABLED=0: a static binary that needs no libc. -tags timetzdata embeds
# the time zone database in the binary, so Asia/Ho_Chi_Minh loads even where
# /usr/share/zoneinfo is missing.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -tags timetzdata -ldflags="-s -w" -o /out/quizbot ./cmd/quizbot

FROM debian:trixie-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 quizbot \
    && useradd --system --uid 10001 --gid quizbot --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin quizbot \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/quizbot/entries
COPY --from=build /out/quizbot /usr/local/bin/quizbot
USER 10001:10001
# Relative paths (report --out, import FILE) resolve in a directory it may write.
WORKDIR /tmp
ENV LISTEN_ADDR=:8080
# The local web chat has no login and listens on loopback only, which is
# the container's own: it is never served from the image.
ENV WEBCHAT=0
EXPOSE 8080
ENTRYPOINT ["quizbot"]
CMD ["serve"]
