#!/usr/bin/env bash
# Installs geth v1.13.15 (the last go-ethereum release that seals Clique proof-of-authority blocks)
# into .tools/bin/ of this checkout, built from the Go module proxy. Skipped when it is already there.
#
# Why the flags: without -checklinkname=0 the link fails in fjl/memsize (Go >= 1.23 refuses its
# go:linkname); __BLST_PORTABLE__ keeps the BLS code free of CPU-specific instructions. A cold build
# takes ~6.5 min on 2 cores (~830 MB of Go caches); with warm caches a few seconds.
set -euo pipefail
GETH_VERSION=v1.13.15
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="${JCM_GETH_DIR:-$ROOT/.tools/bin}"
GETH="$BIN_DIR/geth"

# grep and sed read all their input: with pipefail, a reader that stops early (grep -q, head) can
# make the writer die of SIGPIPE and the pipeline fail (exit 141), at random.
if [ -x "$GETH" ] && "$GETH" version 2>/dev/null | grep "^Version: ${GETH_VERSION#v}-" >/dev/null; then
  exit 0
fi
command -v go >/dev/null || { echo "install-geth: Go is needed to build geth ${GETH_VERSION} (apt-get install golang or https://go.dev)" >&2; exit 1; }
mkdir -p "$BIN_DIR"
echo "install-geth: building geth ${GETH_VERSION} into ${BIN_DIR} (a few minutes the first time)" >&2
GOTOOLCHAIN=local CGO_ENABLED=1 CGO_CFLAGS="-O2 -g -D__BLST_PORTABLE__" GOBIN="$BIN_DIR" \
  go install -trimpath -ldflags=-checklinkname=0 "github.com/ethereum/go-ethereum/cmd/geth@${GETH_VERSION}"
"$GETH" version | sed -n '1,2p' >&2
