# The quickstart deployment: the five built-in plugins of aura-host, each
# launched out of process by re-executing the aura-host binary.
#
#   aura-host validate examples/quickstart/deployment.hcl
#   aura-host run      examples/quickstart/deployment.hcl

deployment "quickstart" {
  mode = "production"

  # State (plugin sockets, the storage database) lives in this directory.
  # Relative paths are resolved against the directory of this file, so the
  # deployment means the same thing wherever aura-host is started from.
  # Without state_dir it would be .aura/quickstart next to this file.
  state_dir = ".aura/quickstart"
}

# Ed25519 keys and signatures, BLAKE3 hashing, HKDF, ChaCha20-Poly1305.
plugin "crypto" {
  builtin = "crypto"
}

# Durable key-value storage backed by bbolt.
plugin "storage" {
  builtin = "storage"

  config {
    # Relative to the plugin's own state directory, <state_dir>/plugins/storage.
    path = "storage.db"
  }
}

# Wall-clock time, cancellable sleeps and a logical clock.
plugin "clock" {
  builtin = "clock"
}

# Randomness from the operating system's CSPRNG.
plugin "random" {
  builtin = "random"
}

# Logging into the host's log, under the console plugin's name.
plugin "console" {
  builtin = "console"
}
