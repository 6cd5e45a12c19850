# One FROST(Ed25519, SHA-512) signature (RFC 9591) by a threshold
# authority's devices holding a key made by the DKG
# (examples/protocols/frost_dkg.hcl) or a resharing
# (examples/protocols/frost_reshare.hcl). Every secret stays in each
# device's crypto plugin: the key share under its key handle, the nonces
# under a nonces handle used up by the one share they sign; only
# commitments, the signing package and signature shares cross the network.
#
# The Coordinator is a device of the authority and signs too; it finds its
# newest active key (frost_key_find with no group_public: the device's one
# active key, a conflict when it holds keys of several groups), and each
# Signer finds its key of the same group. The Coordinator checks every
# share against its key's verifying shares: if all verify, it aggregates
# and hands every signer the signature; otherwise it names the cheaters.
# There is no retry inside the protocol: signing again with other devices
# is the host's choice (host/threshold in Go).
#
# This is for a 2-of-n key: the Coordinator and one Signer. For a t-of-n
# key, give the Signer family t-1 members ("Signer[2]" for 3-of-n); nothing
# else changes.
protocol "frost_sign" {
  roles = ["Coordinator", "Signer[1]"]

  # The key and the message to sign (a host that signs a given message
  # writes set "Coordinator" "message" { value = host()  sort = "bytes" }).
  invoke "Coordinator" "crypto.frost_key_find" {
    args   = {}
    result = "mine"
  }
  set "Coordinator" "group_public" {
    value = "$mine.group_public"
  }
  random "Coordinator" {
    bytes  = 32
    result = "message"
  }
  send "Coordinator" "Signer[*]" "Start" {
    value = { group_public = "$group_public", message = "$message" }
    sort  = "map"
    bind  = "start"
  }
  invoke "Signer[*]" "crypto.frost_key_find" {
    args   = { group_public = "$start.group_public" }
    result = "mine"
  }
  set "Signer[*]" "group_public" {
    value = "$start.group_public"
  }

  # Round one: every device commits to fresh nonces, which stay in its
  # plugin; the signers send their commitments.
  invoke "Coordinator" "crypto.frost_key_nonces" {
    args   = { key = "$mine.key" }
    result = "round1"
  }
  invoke "Signer[*]" "crypto.frost_key_nonces" {
    args   = { key = "$mine.key" }
    result = "round1"
  }
  send "Signer[*]" "Coordinator" "Commitment" {
    value = "$round1.commitment"
    sort  = "map"
    bind  = "commitment[*]"
  }

  # The signing package binds the message to every commitment.
  invoke "Coordinator" "crypto.frost_create_signing_package" {
    args   = { msg = "$message", commitments = concat(["$round1.commitment"], "$commitment"), group_public = "$group_public" }
    result = "package"
  }
  send "Coordinator" "Signer[*]" "SigningPackage" {
    value = "$package"
    sort  = "map"
    bind  = "package"
  }

  # Round two: every device signs its share, using up its nonces; the
  # signers send their shares.
  invoke "Coordinator" "crypto.frost_key_sign_share" {
    args   = { key = "$mine.key", pkg = "$package", nonces = "$round1.nonces" }
    result = "own"
  }
  invoke "Signer[*]" "crypto.frost_key_sign_share" {
    args   = { key = "$mine.key", pkg = "$package", nonces = "$round1.nonces" }
    result = "own"
  }
  send "Signer[*]" "Coordinator" "Share" {
    value = "$own"
    sort  = "map"
    bind  = "share[*]"
  }

  # Each share is checked against its device's verifying share before
  # aggregating, so a bad share names its sender.
  set "Coordinator" "shares" {
    value = concat(["$own"], "$share")
  }
  invoke "Coordinator" "crypto.frost_verify_shares" {
    args   = { pkg = "$package", shares = "$shares", verifying_shares = "$mine.verifying_shares" }
    result = "cheaters"
  }
  choice "Coordinator" {
    decide = "$cheaters" == [] ? "Valid" : "Cheater"
    branch "Valid" {
      send "Coordinator" "Signer[*]" "Valid" {}
      invoke "Coordinator" "crypto.frost_aggregate_signatures" {
        args   = { pkg = "$package", shares = "$shares" }
        result = "signature"
      }
      invoke "Coordinator" "crypto.frost_verify" {
        args   = { msg = "$message", sig = "$signature", group_public = "$group_public" }
        result = "verified"
      }
      send "Coordinator" "Signer[*]" "Signature" {
        value = "$signature"
        sort  = "bytes"
        bind  = "signature"
      }
    }
    branch "Cheater" {
      send "Coordinator" "Signer[*]" "Cheater" {
        value = "$cheaters"
        sort  = "list"
        bind  = "cheaters"
      }
      set "Coordinator" "signature" {
        value = null
      }
      set "Signer[*]" "signature" {
        value = null
      }
    }
  }
}
