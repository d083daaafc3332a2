# sslctx: the commands everyone relies on. See README.md.
GO ?= go
FUZZTIME ?= 10s
# make test fuzzes each target briefly, by a count of executions: a count,
# unlike a duration, never meets the fuzzing coordinator's deadline race.
FUZZ_TEST_BUDGET ?= 2000x
# Each fuzz target as package:Name; `make fuzz` runs every one for FUZZTIME.
FUZZ_TARGETS = \
	.:FuzzDecodeCertDER \
	.:FuzzDecodeCertPEM \
	.:FuzzPEMCertToDERCert \
	.:FuzzCertTimeToSeconds \
	.:FuzzSetCiphers \
	.:FuzzSetCipherSuites \
	.:FuzzMatchHostname \
	.:FuzzServerHandshake \
	.:FuzzClientHandshake \
	.:FuzzCorruptedRecords \
	.:FuzzSSLObject

.PHONY: deps test fmt-check vet generate demo bench httpload fuzz docker conformance leakcheck load matrix

## deps: install what cgo and the tests need beyond Go (libssl-dev, openssl, pkg-config, curl) when missing;
## a no-op when everything is there. test and demo run it first.
deps:
	@.ci/install-deps

## test: gofmt check, go vet, every test under the race detector, and each fuzz target for 2,000 executions.
test: deps fmt-check vet
	$(GO) test -race -count=1 ./...
	GO=$(GO) .ci/fuzz $(FUZZ_TEST_BUDGET) $(FUZZ_TARGETS)

fmt-check:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## conformance: the suite against openssl s_server and s_client alone (docs/conformance/<series>.md).
conformance:
	$(GO) test -race -count=1 ./internal/conformance

## generate: the shim digest, and the error mnemonics of the installed OpenSSL series (openssl/zerrnames_<series>.txt).
## Another series: go run ./openssl/internal/mkerrnames -include <root>/usr/include -dir openssl
generate:
	$(GO) generate ./openssl

## demo: a TLS server and client from this library, talking on loopback.
demo: deps
	$(GO) run ./cmd/sslctx demo

## bench: this library, crypto/tls and raw OpenSSL in C on the same workloads, interleaved; a table of medians and ratios.
BENCH_ROUNDS ?= 5
# The idle keep-alive row: resident memory per server connection with a goroutine in Read, BENCH_IDLE_CONNS of them.
BENCH_IDLE_CONNS ?= 10000
bench: bench/cref/cref
	$(GO) build -o bench/cmd/idlerss/idlerss ./bench/cmd/idlerss
	$(GO) run ./bench/cmd/benchtable -cref bench/cref/cref -rounds $(BENCH_ROUNDS) \
		-idlerss bench/cmd/idlerss/idlerss -idle-conns $(BENCH_IDLE_CONNS)

## httpload: requests/s of one handler on ServeHTTPS and on net/http over crypto/tls, HTTP/1.1 and HTTP/2,
## interleaved; h2load (apt-get install nghttp2-client) is the client when installed, else Go's (HTTPLOAD_CLIENT=go).
HTTPLOAD_CLIENT ?=
httpload:
	$(GO) run ./bench/cmd/httpload -rounds $(BENCH_ROUNDS) $(if $(HTTPLOAD_CLIENT),-client $(HTTPLOAD_CLIENT))

bench/cref/cref: bench/cref/cref.c
	$${CC:-cc} -O2 -Wall -o $@ $< $$(pkg-config --cflags --libs libssl libcrypto) -lpthread

## fuzz: every fuzz target for FUZZTIME each (make fuzz FUZZTIME=60s, or a count: FUZZTIME=5000x).
fuzz:
	GO=$(GO) .ci/fuzz $(FUZZTIME) $(FUZZ_TARGETS)

## leakcheck: the cgo-heavy tests under AddressSanitizer with LeakSanitizer; any leak fails.
leakcheck:
	ASAN_OPTIONS=detect_leaks=1 $(GO) test -asan -count=1 ./openssl ./internal/bio
	ASAN_OPTIONS=detect_leaks=1 $(GO) test -asan -count=1 -run 'TestErrors|TestDecode|TestCert|TestContext|TestLoad|TestSocket|TestSSLObject|TestMemoryBIO|TestWrapBIO|TestFault|TestSecurity|TestLeaks|TestListener|TestDial|TestGetServer|TestPEM|TestHTTP|TestSNI|TestKeylog|TestPHA|TestPSK|Fuzz' .

## load: 1,000 concurrent connections, 100,000 handshakes with data, on one Context; peak RSS reported.
load:
	SSLCTX_LOAD=full $(GO) test -count=1 -timeout 30m -run 'TestLoad_' -v .

## matrix: build, vet and test in Debian root filesystems, one per OpenSSL series (needs root):
## bullseye (1.1.1) and trixie (3.5) by default; make matrix MATRIX="bullseye bookworm trixie" for all three,
## MATRIX_RACE=1 for the race detector there too.
MATRIX ?= bullseye trixie
MATRIX_RACE ?= 0
matrix:
	GO=$(GO) SSLCTX_MATRIX_RACE=$(MATRIX_RACE) .ci/matrix $(MATRIX)

## docker: build the image, which runs `make test` on Debian bookworm (make docker DEBIAN=trixie for another release).
DEBIAN ?= bookworm
docker:
	docker build --build-arg DEBIAN=$(DEBIAN) -t sslctx .
