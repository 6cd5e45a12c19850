# A threshold-signing round (FROST(Ed25519, SHA-512), RFC 9591): the
# coordinator collects a commitment from each signer, sends them all the
# signing package, gathers their signature shares and aggregates them into
# one Ed25519 signature, which it verifies and hands back to every signer.
#
# So that the example runs on its own, the coordinator first deals the
# key shares as a trusted dealer; a deployment runs a DKG once instead, and
# its signers take their shares from the host (set ... { value = host() }).
protocol "threshold_signing" {
  roles = ["Coordinator", "Signer[3]"]

  # Key setup: a 3-of-3 key, one share per signer.
  invoke "Coordinator" "crypto.frost_generate_keys" {
    args   = { t = 3, n = 3 }
    result = "keys"
  }
  send "Coordinator" "Signer[*]" "KeyShare" {
    value = "$keys.shares[*]"
    sort  = "map"
    bind  = "key_share"
  }

  # The message to sign.
  random "Coordinator" {
    bytes  = 32
    result = "message"
  }

  # Round one: every signer commits to fresh nonces.
  send "Coordinator" "Signer[*]" "Start" {
    value = "$message"
    sort  = "bytes"
    bind  = "message"
  }
  invoke "Signer[*]" "crypto.frost_generate_nonces" {
    args   = { share = "$key_share" }
    result = "round1"
  }
  send "Signer[*]" "Coordinator" "Commitment" {
    value = "$round1.commitment"
    sort  = "map"
    bind  = "commitment[*]"
  }

  # The signing package binds the message to every commitment.
  invoke "Coordinator" "crypto.frost_create_signing_package" {
    args   = { msg = "$message", commitments = "$commitment", group_public = "$keys.group_public" }
    result = "package"
  }
  send "Coordinator" "Signer[*]" "SigningPackage" {
    value = "$package"
    sort  = "map"
    bind  = "package"
  }

  # Round two: every signer answers with its signature share.
  invoke "Signer[*]" "crypto.frost_sign_share" {
    args   = { pkg = "$package", share = "$key_share", nonces = "$round1.nonces" }
    result = "share"
  }
  send "Signer[*]" "Coordinator" "Share" {
    value = "$share"
    sort  = "map"
    bind  = "share[*]"
  }

  # Aggregate, verify, and hand every signer the group signature.
  invoke "Coordinator" "crypto.frost_aggregate_signatures" {
    args   = { pkg = "$package", shares = "$share" }
    result = "signature"
  }
  invoke "Coordinator" "crypto.frost_verify" {
    args   = { msg = "$message", sig = "$signature", group_public = "$keys.group_public" }
    result = "valid"
  }
  send "Coordinator" "Signer[*]" "Signature" {
    value = "$signature"
    sort  = "bytes"
    bind  = "signature"
  }
}
