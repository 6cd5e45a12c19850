# A threshold-signing round (FROST(Ed25519, SHA-512), RFC 9591): the
# coordinator collects a commitment from each signer, sends them all the
# signing package, gathers their signature shares and aggregates them into
# one Ed25519 signature, which it verifies and hands back to every signer.
# The key material comes from the host (host()): each signer's key share
# as crypto.frost_generate_keys deals it, and the group public key.
protocol "threshold_signing" {
  roles = ["Coordinator", "Signer[3]"]

  set "Coordinator" "message" {
    value = host()
  }
  set "Coordinator" "group_public" {
    value = host()
  }
  set "Signer[*]" "key_share" {
    value = host()
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
    args   = { msg = "$message", commitments = "$commitment", group_public = "$group_public" }
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
    args   = { msg = "$message", sig = "$signature", group_public = "$group_public" }
    result = "valid"
  }
  send "Coordinator" "Signer[*]" "Signature" {
    value = "$signature"
    sort  = "bytes"
    bind  = "signature"
  }
}
