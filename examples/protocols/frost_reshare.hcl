# Rotation of a threshold authority's key by proactive resharing: the
# devices and the threshold change (here 2-of-3 becomes 3-of-4: devices 1 to
# 3 held the key, device 4 joins), the group key stays. At least the old
# threshold of the old holders deal (here devices 1 and 2): each hands its
# old share, weighted by its Lagrange coefficient over the dealers, to the
# new devices as a fresh polynomial, committed and proved as in the DKG
# (examples/protocols/frost_dkg.hcl); every device checks that the dealers'
# constant terms are their old verifying shares so weighted and sum to the
# group key. The new shares are held under a new key handle at the next
# epoch. Committing retires each device's old share (erased; it can no
# longer sign); aborting keeps the old epoch as it was, so a rotation that
# fails part way leaves the authority able to sign.
#
# The Leader is device 1 and relays the broadcasts; Member[k] is device k+2
# (its identifier in both epochs). Each device finds its old key by the
# group key (crypto.frost_key_find); a device that holds none joins
# without dealing. For another rotation, change the family and the params
# line together: n is 1 + the members, t how many must sign from now on,
# dealers the old identifiers that deal.
protocol "frost_reshare" {
  roles  = ["Leader", "Member[3]"]
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
    value = { n = 4, t = 3, dealers = [1, 2], context = "$context", group_public = "$old.group_public", old_verifying_shares = "$old.verifying_shares" }
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
