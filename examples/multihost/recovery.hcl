# Guardian recovery with two guardians (examples/multihost): the account
# asks both of its guardians to approve a recovery; each signs the account's
# challenge with its agent's device key (device.sign, purpose
# "recovery-approval") and approves or declines; the account verifies every
# approval and grants the recovery only when both are valid.
#
# ../protocols/agents/guardian_recovery.hcl is the same protocol for three
# guardians, two of which must approve.
protocol "guardian_recovery" {
  roles  = ["Account", "Guardian[2]"]
  policy = "aura.vm.recovery_grant.prod"

  # Enrolment: each guardian gives the account its device's public key —
  # the agent's own key, not one made up for the protocol.
  invoke "Guardian[*]" "device.public_key" {
    result = "device_key"
  }
  send "Guardian[*]" "Account" "Enroll" {
    value = "$device_key"
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

  # Each guardian's device signs, then the guardian approves (sending the
  # signature) or declines.
  invoke "Guardian[*]" "device.sign" {
    args   = { message = "$challenge", purpose = "recovery-approval" }
    result = "signature"
  }
  choice "Guardian[*]" {
    branch "Approve" {
      send "Guardian[*]" "Account" "Approve" {
        value = "$signature"
        sort  = "bytes"
        bind  = "approval[*]"
      }
      # "aura-device-sign/v1" 0x00 "recovery-approval" 0x00 challenge: the
      # bytes device.sign signed (effects.DeviceSigningMessage).
      invoke "Account" "crypto.ed25519_verify" {
        args   = { msg = concat(bytes("617572612d6465766963652d7369676e2f7631007265636f766572792d617070726f76616c00"), "$challenge"), sig = "$approval[*]", pub = "$guardian_key[*]" }
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

  # Both guardians must approve: grant on two valid approvals, and tell every guardian.
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
