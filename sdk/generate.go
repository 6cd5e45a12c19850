package sdk

// Regenerate the wire contract's Go code (checked in, so building needs no
// protoc) with `go generate ./sdk`. Needs protoc (Debian: protobuf-compiler);
// the generators protoc-gen-go and protoc-gen-go-grpc are pinned as tool lines
// in go.mod and run through `go tool`. The generated package lives under
// sdk/internal so that only sdk can import it; .ci/run fails when the
// checked-in code differs from what this would generate.
//go:generate bash internal/proto/generate.sh
