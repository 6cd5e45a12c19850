# A refresh of the authority's 2-of-3 key after device_3's recovery
# (examples/multihost): ../protocols/frost_reshare.hcl for the same three
# devices and threshold. Devices 1 and 2 deal; every device gets a new share
# at the next epoch and erases its old one, so a share that leaked before the
# recovery no longer signs with anyone's; the group key stays.
protocol "frost_reshare" {
  roles  = ["Leader", "Member[2]"]
  policy = "aura.vm.dkg_ceremony.prod"

  # The ceremony: a fresh context binds every proof and share to this run;
  # the Leader's old key gives the group key and the old verifying shares.
  random "Leader" {
    bytes  = 32
    result = "context"
  }
  invoke "Leader" "crypto.frost_key_find" {
    args   = {}
    result = "old"
  }
  set "Leader" "params" {
    value = { n = 3, t = 2, dealers = [1, 2], context = "$context", group_public = "$old.group_public", old_verifying_shares = "$old.verifying_shares" }
  }
  send "Leader" "Member[*]" "Params" {
    value = "$params"
    sort  = "map"
    bind  = "params"
  }
  invoke "Member[*]" "crypto.frost_key_find" {
    args   = { group_public = "$params.group_public" }
    result = "old"
  }

  # Round one: each dealer commits to its polynomial and proves it knows
  # the constant term; every device names an encryption key. The Leader
  # gathers the packages and broadcasts them.
  invoke "Leader" "crypto.frost_reshare_begin" {
    args = {
      t                    = "$params.t"
      n                    = "$params.n"
      identifier           = 1
      context              = "$params.context"
      group_public         = "$params.group_public"
      old_verifying_shares = "$params.old_verifying_shares"
      dealers              = "$params.dealers"
      old_key              = contains("$params.dealers", "$old.identifier") ? "$old.key" : null
    }
    result = "mine"
  }
  invoke "Member[*]" "crypto.frost_reshare_begin" {
    args = {
      t                    = "$params.t"
      n                    = "$params.n"
      identifier           = index() + 2
      context              = "$params.context"
      group_public         = "$params.group_public"
      old_verifying_shares = "$params.old_verifying_shares"
      dealers              = "$params.dealers"
      old_key              = "$old" == null ? null : contains("$params.dealers", "$old.identifier") ? "$old.key" : null
    }
    result = "mine"
  }
  send "Member[*]" "Leader" "Commitment" {
    value = "$mine.package"
    sort  = "map"
    bind  = "package[*]"
  }
  set "Leader" "packages" {
    value = concat(["$mine.package"], "$package")
  }
  send "Leader" "Member[*]" "Commitments" {
    value = "$packages"
    sort  = "list"
    bind  = "packages"
  }

  # Round two: each device checks every proof and every constant term; each
  # dealer encrypts a share for every other device; the Leader routes them
  # to their receivers.
  invoke "Leader" "crypto.frost_dkg_shares" {
    args   = { key = "$mine.key", packages = "$packages" }
    result = "sent"
  }
  invoke "Member[*]" "crypto.frost_dkg_shares" {
    args   = { key = "$mine.key", packages = "$packages" }
    result = "sent"
  }
  send "Member[*]" "Leader" "Shares" {
    value = "$sent"
    sort  = "list"
    bind  = "shares[*]"
  }
  invoke "Leader" "crypto.frost_dkg_route" {
    args   = { shares = concat(["$sent"], "$shares"), from = 2, to = "$params.n" }
    result = "routed"
  }
  invoke "Leader" "crypto.frost_dkg_route" {
    args   = { shares = concat(["$sent"], "$shares"), from = 1, to = 1 }
    result = "own"
  }
  send "Leader" "Member[*]" "YourShares" {
    value = "$routed[*]"
    sort  = "list"
    bind  = "incoming"
  }

  # Each device verifies the shares it received against their dealers'
  # commitments, and reports its transcript or a complaint naming a dealer.
  invoke "Leader" "crypto.frost_dkg_finish" {
    args   = { key = "$mine.key", packages = "$packages", shares = "$own[0]" }
    result = "result"
  }
  invoke "Member[*]" "crypto.frost_dkg_finish" {
    args   = { key = "$mine.key", packages = "$packages", shares = "$incoming" }
    result = "result"
  }
  choice "Member[*]" {
    decide = "$result.ok" ? "Verified" : "Complaint"
    branch "Verified" {
      send "Member[*]" "Leader" "Verified" {
        value = "$result.transcript"
        sort  = "bytes"
        bind  = "transcript[*]"
      }
      set "Leader" "complaint[*]" {
        value = null
      }
    }
    branch "Complaint" {
      send "Member[*]" "Leader" "Complaint" {
        value = "$result.complaint"
        sort  = "map"
        bind  = "complaint[*]"
      }
      set "Leader" "transcript[*]" {
        value = bytes("")
      }
    }
  }

  # Commit the new epoch only if every device verified every share over the
  # same packages (each commit retires that device's old share); otherwise
  # every device forgets its half-made key and the old epoch stays.
  choice "Leader" {
    decide = "$result.ok" && difference("$transcript", ["$result.transcript"]) == [] ? "Commit" : "Abort"
    branch "Commit" {
      send "Leader" "Member[*]" "Commit" {
        value = "$result.group_public"
        sort  = "bytes"
        bind  = "group_public"
      }
      invoke "Leader" "crypto.frost_dkg_commit" {
        args   = { key = "$mine.key" }
        result = "key"
      }
      invoke "Member[*]" "crypto.frost_dkg_commit" {
        args   = { key = "$mine.key" }
        result = "key"
      }
    }
    branch "Abort" {
      send "Leader" "Member[*]" "Abort" {
        value = concat(["$result.complaint"], "$complaint")
        sort  = "list"
        bind  = "complaints"
      }
      invoke "Leader" "crypto.frost_dkg_abort" {
        args   = { key = "$mine.key" }
        result = "aborted"
      }
      invoke "Member[*]" "crypto.frost_dkg_abort" {
        args   = { key = "$mine.key" }
        result = "aborted"
      }
    }
  }
}
