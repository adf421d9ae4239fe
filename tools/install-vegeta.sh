#!/usr/bin/env bash
# Installs vegeta v12.13.0, the HTTP load generator of `make bench`, into .tools/bin/ of this
# checkout, built from the Go module proxy. Skipped when it is already there.
#
# Why a Go tool: the API benchmark loads two uvicorn workers on a 2-core machine, and a Python load
# generator parsing every answer took a large share of the cores it measured; vegeta sends a paced
# (open-model) or closed-loop load from a few goroutines. A cold build takes about a minute.
set -euo pipefail
VEGETA_VERSION=v12.13.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$ROOT/.tools/bin"
VEGETA="$BIN_DIR/vegeta"

# grep and sed read all their input: with pipefail, a reader that stops early (grep -q, head) can
# make the writer die of SIGPIPE and the pipeline fail (exit 141), at random.
if [ -x "$VEGETA" ] && "$VEGETA" -version 2>/dev/null | grep "^Version: ${VEGETA_VERSION}$" >/dev/null; then
  exit 0
fi
command -v go >/dev/null || { echo "install-vegeta: Go is needed to build vegeta ${VEGETA_VERSION} (apt-get install golang or https://go.dev)" >&2; exit 1; }
mkdir -p "$BIN_DIR"
echo "install-vegeta: building vegeta ${VEGETA_VERSION} into ${BIN_DIR}" >&2
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$BIN_DIR" \
  go install -trimpath -ldflags="-X main.Version=${VEGETA_VERSION}" "github.com/tsenart/vegeta/v12@${VEGETA_VERSION}"
"$VEGETA" -version | sed -n '1,1p' >&2
