# sslctx on Debian with that release's libssl-dev: builds the library and
# the command-line tool and runs the whole test suite while building.
# docker build --build-arg DEBIAN=trixie (OpenSSL 3.5) or bullseye (1.1.1).
ARG DEBIAN=bookworm
FROM golang:1.26-${DEBIAN}

WORKDIR /src
COPY .ci/install-deps .ci/install-deps
RUN .ci/install-deps

COPY go.mod go.sum ./
RUN go mod download

COPY . .
RUN make test && go build -o /usr/local/bin/sslctx ./cmd/sslctx

ENTRYPOINT ["sslctx"]
CMD ["--help"]
