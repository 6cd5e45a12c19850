# The deployment the example protocols run on: the built-in plugins their
# invoke steps call, each launched out of process as in production. It has
# a directory of its own because every *.hcl file directly in
# examples/protocols is a protocol (the VM's tests run each one).
#
#   aura-host protocol run examples/protocols/guardian_recovery.hcl \
#       --deployment examples/protocols/deployment/deployment.hcl --record recovery.jsonl
#   aura-host trace replay recovery.jsonl
#
# Testing mode makes the plugins' own randomness (Ed25519 keys, FROST
# shares and nonces) come from the seed, so a run with the same --seed
# records the same trace, byte for byte. In production mode they would draw
# from the OS and every run would differ. `protocol run --seed N` replaces
# the seed below for one run.

deployment "protocols" {
  mode = "testing"
  seed = 1

  # Plugin sockets and state go here, next to this file.
  state_dir = ".aura/protocols"
}

# Ed25519 (guardian_recovery), FROST(Ed25519, SHA-512) (threshold_signing)
# and BLAKE3 hashing (anti_entropy).
plugin "crypto" {
  builtin = "crypto"
}

# Not called by the examples as written; here for protocols that invoke
# clock.*, random.* or console.* themselves. (A protocol's own `now` and
# `random` steps are answered by the host from the seed, not by these.)
plugin "clock" {
  builtin = "clock"
}

plugin "random" {
  builtin = "random"
}

plugin "console" {
  builtin = "console"
}
