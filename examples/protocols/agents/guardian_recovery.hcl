# Guardian recovery with device keys: an account asks its three guardians
# to approve a recovery. Each guardian signs the account's challenge with
# its agent's device key (device.sign, purpose "recovery-approval": the key
# never leaves the agent, and the signature cannot be passed off as one for
# another purpose); the account verifies every approval over the same
# purpose-prefixed bytes and grants the recovery when at least two (the
# threshold) are valid. Each guardian durably records (storage.store) the
# challenge before it answers and its decision after, and the account and
# the guardians record the grant.
#
# It needs an agent runtime (the device family is served by host/agent),
# so it lives apart from the plain examples in ../, which the VM's tests
# run against the bare effect plugins. examples/simulation runs it.
protocol "guardian_recovery" {
  roles  = ["Account", "Guardian[3]"]
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

  # Before it answers, each guardian durably records the challenge it is
  # about to sign, so that after a restart it knows what it has approved
  # (storage.store is idempotent: a write the disk refuses is retried).
  invoke "Guardian[*]" "storage.store" {
    args = { key = "recovery/challenge", value = "$challenge" }
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
      invoke "Guardian[*]" "storage.store" {
        args = { key = "recovery/decision", value = "$signature" }
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
      invoke "Guardian[*]" "storage.store" {
        args = { key = "recovery/decision", value = bytes("") }
      }
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
      # The account and every guardian durably record the grant.
      invoke "Account" "storage.store" {
        args = { key = "recovery/granted", value = "$challenge" }
      }
      invoke "Guardian[*]" "storage.store" {
        args = { key = "recovery/outcome", value = "$challenge" }
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
