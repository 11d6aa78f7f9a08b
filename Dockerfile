# syntax=docker/dockerfile:1
#
# docker build -t newswatch .
# docker run -d --name newswatch \
#   -v newswatch-data:/data \
#   -v "$PWD/config.toml:/etc/newswatch/config.toml:ro" \
#   -v "$PWD/rules.d:/etc/newswatch/rules.d:ro" \
#   -e SLACK_BOT_TOKEN=xoxb-... \
#   newswatch
#
# In the mounted config set data_dir = "/data" and, in [rules], dir = "rules.d"
# (relative to the config file, so /etc/newswatch/rules.d).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/newswatch ./cmd/newswatch \
 && mkdir -p /out/data /out/etc/rules.d \
 && cp config.example.toml /out/etc/config.toml \
 && sed -i 's|^data_dir *=.*|data_dir = "/data"|' /out/etc/config.toml \
 && cp rules.d/*.toml /out/etc/rules.d/

# A static binary needs no libc: distroless "static" has CA certificates and
# time zone data, and its "nonroot" variant runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/newswatch /usr/local/bin/newswatch
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/etc /etc/newswatch
USER 65532:65532
VOLUME ["/data"]
ENV NEWSWATCH_CONFIG=/etc/newswatch/config.toml
# The admin server listens on 127.0.0.1:8080 by default, which is where the
# health check (run inside the container) asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/newswatch", "health"]
ENTRYPOINT ["/usr/local/bin/newswatch"]
CMD ["run"]
