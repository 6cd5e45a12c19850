#!/usr/bin/env bash
# Regenerates the Go code of the plugin wire contract from its .proto files.
#
#   bash sdk/internal/proto/generate.sh [OUT_DIR]
#
# OUT_DIR defaults to this directory (regenerate in place); .ci/run passes a
# temporary directory and compares. Needs protoc (Debian: protobuf-compiler);
# the code generators are the versions pinned as tool lines in go.mod, run
# through `go tool`, so nothing needs `go install`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:-$here}" && cd "${1:-$here}" && pwd)"
cd "$here"
gen_go="$(go tool -n protoc-gen-go)"
gen_grpc="$(go tool -n protoc-gen-go-grpc)"
protoc --proto_path=. \
	--plugin=protoc-gen-go="$gen_go" --plugin=protoc-gen-go-grpc="$gen_grpc" \
	--go_out="$out" --go_opt=paths=source_relative \
	--go-grpc_out="$out" --go-grpc_opt=paths=source_relative \
	aura/plugin/v1/plugin.proto
