# A deployment that loads the example third-party plugin (main.go beside
# this file) as an external program, pinned by its SHA-256. See README.md.
#
#   go build -o examples/third-party-plugin/bin/greeter ./examples/third-party-plugin
#   sha256sum examples/third-party-plugin/bin/greeter   # put the digest below
#   aura-host invoke examples/third-party-plugin/deployment.hcl greeter.greet name=Ada

deployment "greeter_example" {
  mode = "production"
}

plugin "greeter" {
  # Relative to this file. bin/ is not checked in: build it first.
  command = "./bin/greeter"

  # SHA256 PLACEHOLDER: 64 zeros stand for the digest of bin/greeter, which
  # depends on your Go toolchain and platform. Replace them with the output
  # of `sha256sum bin/greeter`; until then aura-host refuses to start the
  # binary because its checksum does not match. Tests replace exactly this
  # 64-zero string.
  sha256 = "0000000000000000000000000000000000000000000000000000000000000000"

  config {
    greeting = "Bonjour"
  }
}
