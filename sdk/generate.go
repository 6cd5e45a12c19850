package sdk

// Regenerate the wire contract's Go code (checked in, so building needs no
// protoc). Needs protoc (Debian: protobuf-compiler) and
//   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//   go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
//go:generate protoc --proto_path=proto --go_out=proto --go_opt=paths=source_relative --go-grpc_out=proto --go-grpc_opt=paths=source_relative aura/plugin/v1/plugin.proto
