#!/usr/bin/env bash
# Regenerates serve/inferencepb from serve/proto/inference.proto with protoc
# (Debian: apt-get install protobuf-compiler) and the Go plugins at the
# versions pinned below, built with `go install` into a temporary directory.
# The generated files are committed: building the server needs neither
# protoc nor the plugins.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
protoc_gen_go=google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.11
protoc_gen_go_grpc=google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.0
command -v protoc >/dev/null || { echo "gen-proto: protoc is missing (apt-get install protobuf-compiler)" >&2; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
GOBIN=$bin go install "$protoc_gen_go"
GOBIN=$bin go install "$protoc_gen_go_grpc"
cd "$here"
PATH="$bin:$PATH" protoc -I proto \
  --go_out=. --go_opt=module=github.com/pdsafe/pdsafe/serve \
  --go-grpc_out=. --go-grpc_opt=module=github.com/pdsafe/pdsafe/serve \
  proto/inference.proto
echo "gen-proto: wrote $(ls inferencepb/*.go | tr '\n' ' ')"
