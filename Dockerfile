# sslctx on Debian bookworm with Debian's libssl-dev: builds the library and
# the command-line tool and runs the whole test suite while building.
FROM golang:1.26-bookworm

WORKDIR /src
COPY .ci/install-deps .ci/install-deps
RUN .ci/install-deps

COPY go.mod go.sum ./
RUN go mod download

COPY . .
RUN make test && go build -o /usr/local/bin/sslctx ./cmd/sslctx

ENTRYPOINT ["sslctx"]
CMD ["--help"]
