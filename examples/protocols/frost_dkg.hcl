# Distributed key generation for a threshold authority: a Pedersen DKG with
# proofs of knowledge (the FROST paper's KeyGen) among the authority's
# devices, after which any t of them sign as one Ed25519 key that no device
# ever held whole. Each device's secrets (its polynomial, its X25519 key, its
# signing share) stay in its crypto plugin under a key handle, sealed at rest
# with its device key; only commitments, proofs and shares encrypted to their
# receiver cross the network.
#
# The Leader is device 1 and relays the broadcasts; Member[k] is device k+2.
# For another size, change the family and the params line together: n is
# 1 + the members, t how many must sign.
protocol "frost_dkg" {
  roles  = ["Leader", "Member[2]"]
  policy = "aura.vm.dkg_ceremony.prod"

  # The ceremony: a fresh context binds every proof and share to this run.
  random "Leader" {
    bytes  = 32
    result = "context"
  }
  set "Leader" "params" {
    value = { n = 3, t = 2, context = "$context" }
  }
  send "Leader" "Member[*]" "Params" {
    value = "$params"
    sort  = "map"
    bind  = "params"
  }

  # Round one: each device commits to its polynomial and proves it knows
  # the constant term; the Leader gathers the packages and broadcasts them.
  invoke "Leader" "crypto.frost_dkg_begin" {
    args   = { t = "$params.t", n = "$params.n", identifier = 1, context = "$params.context" }
    result = "mine"
  }
  invoke "Member[*]" "crypto.frost_dkg_begin" {
    args   = { t = "$params.t", n = "$params.n", identifier = index() + 2, context = "$params.context" }
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

  # Round two: each device checks every proof and encrypts a share for
  # every other device; the Leader routes them to their receivers.
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

  # Each device verifies the shares it received against their senders'
  # commitments, and reports its transcript or a complaint naming a sender.
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

  # Commit only if every device verified every share over the same
  # packages; otherwise every device forgets its half-made key.
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
