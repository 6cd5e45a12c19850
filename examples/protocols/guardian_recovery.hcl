# Guardian recovery: an account asks its three guardians to approve a
# recovery. Each guardian signs the account's challenge with its Ed25519
# key and approves or declines; the account verifies every approval and
# grants the recovery when at least two (the threshold) are valid.
protocol "guardian_recovery" {
  roles  = ["Account", "Guardian[3]"]
  policy = "aura.vm.recovery_grant.prod"

  # Enrolment: each guardian has a key pair and gives the account its
  # public key.
  invoke "Guardian[*]" "crypto.ed25519_generate_keypair" {
    result = "keypair"
  }
  send "Guardian[*]" "Account" "Enroll" {
    value = "$keypair.public"
    sort  = "bytes"
    bind  = "guardian_key[*]"
  }

  # The request: a fresh challenge for the guardians to sign.
  random "Account" {
    bytes  = 32
    result = "challenge"
  }
  send "Account" "Guardian[*]" "Request" {
    value = "$challenge"
    sort  = "bytes"
    bind  = "challenge"
  }

  # Each guardian signs, then approves (sending the signature) or declines.
  invoke "Guardian[*]" "crypto.ed25519_sign" {
    args   = { msg = "$challenge", key = "$keypair.private" }
    result = "signature"
  }
  choice "Guardian[*]" {
    branch "Approve" {
      send "Guardian[*]" "Account" "Approve" {
        value = "$signature"
        sort  = "bytes"
        bind  = "approval[*]"
      }
      invoke "Account" "crypto.ed25519_verify" {
        args   = { msg = "$challenge", sig = "$approval[*]", pub = "$guardian_key[*]" }
        result = "valid[*]"
      }
    }
    branch "Decline" {
      send "Guardian[*]" "Account" "Decline" {}
      set "Account" "valid[*]" {
        value = false
      }
    }
  }

  # Threshold 2 of 3: grant on two valid approvals, and tell every guardian.
  choice "Account" {
    decide = count_true("$valid") >= 2 ? "Granted" : "Denied"

    branch "Granted" {
      send "Account" "Guardian[*]" "Granted" {
        value = "$challenge"
        sort  = "bytes"
      }
      now "Account" {
        result = "granted_at"
      }
    }
    branch "Denied" {
      send "Account" "Guardian[*]" "Denied" {}
    }
  }
}
