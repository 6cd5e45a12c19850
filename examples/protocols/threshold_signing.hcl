# A threshold-signing round (FROST, RFC 9591): the coordinator collects a
# commitment from each signer, sends them all the signing package, gathers
# their signature shares and aggregates them into one Ed25519 signature.
# The key material comes from the host (host()): each signer's key
# package, and the group public key the coordinator verifies against.
protocol "threshold_signing" {
  roles = ["Coordinator", "Signer[3]"]

  set "Coordinator" "message" {
    value = host()
  }
  set "Coordinator" "group_public_key" {
    value = host()
  }
  set "Signer[*]" "key_package" {
    value = host()
  }

  # Round one: commitments.
  send "Coordinator" "Signer[*]" "Start" {
    value = "$message"
    bind  = "message"
  }
  invoke "Signer[*]" "crypto.frost_generate_nonces" {
    args   = { share = "$key_package" }
    result = "round1"
  }
  send "Signer[*]" "Coordinator" "Commitment" {
    value = "$round1.commitments"
    bind  = "commitment[*]"
  }

  # The signing package binds the message to every commitment.
  invoke "Coordinator" "crypto.frost_create_signing_package" {
    args   = { msg = "$message", commitments = "$commitment", participants = [1, 2, 3] }
    result = "package"
  }
  send "Coordinator" "Signer[*]" "SigningPackage" {
    value = "$package"
    bind  = "package"
  }

  # Round two: signature shares.
  invoke "Signer[*]" "crypto.frost_sign_share" {
    args   = { pkg = "$package", share = "$key_package", nonces = "$round1.nonces" }
    result = "share"
  }
  send "Signer[*]" "Coordinator" "Share" {
    value = "$share"
    bind  = "share[*]"
  }

  # Aggregate, verify, and hand every signer the result.
  invoke "Coordinator" "crypto.frost_aggregate_signatures" {
    args   = { pkg = "$package", shares = "$share" }
    result = "signature"
  }
  invoke "Coordinator" "crypto.frost_verify" {
    args   = { msg = "$message", sig = "$signature", group_pub = "$group_public_key" }
    result = "valid"
  }
  send "Coordinator" "Signer[*]" "Signature" {
    value = "$signature"
    sort  = "bytes"
    bind  = "signature"
  }
}
