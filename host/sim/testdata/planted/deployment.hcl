# The planted-bug fixture of the shrinker (host/sim/shrink_test.go,
# cmd/aura-host's simulate tests): fresh_approval.hcl's coordinator counts
# a guardian's approval again each round, and the threshold_grant
# invariant catches it granting on fewer than two distinct guardians. The
# swarm block draws drops, duplicates, delays and partitions, and one
# duplicate fault is written, so a failing seed's schedule has faults for
# the shrinker to take away. It draws no crash: a crash today loses what
# reaches the agent while it is down and the run stalls (issue 15's
# crash-restart), a failure of its own that a sweep would find first.
#
#   aura-host simulate host/sim/testdata/planted/deployment.hcl --seeds 1..1000

deployment "planted" {
  mode = "simulation"
}

plugin "crypto" {
  builtin = "crypto"
}

plugin "journal" {
  builtin = "journal"
}

plugin "clock" {
  builtin = "clock"
}

plugin "random" {
  builtin = "random"
}

plugin "storage" {
  builtin = "storage"
}

plugin "network" {
  builtin    = "transport"
  depends_on = ["crypto", "clock"]
}

simulation {
  seed = 1

  plugin "clock" {
    builtin = "sim-clock"
  }
  plugin "random" {
    builtin = "sim-random"
  }
  plugin "storage" {
    builtin = "sim-storage"
  }
  plugin "network" {
    builtin = "sim-network"
  }
}

agent "account" {
  allow = ["network.send_envelope", "clock.sleep_ms"]
  flow_budget {
    limit = 1000
  }
}

agent "g1" {
  allow = ["network.send_envelope", "clock.sleep_ms"]
  flow_budget {
    limit = 1000
  }
}

agent "g2" {
  allow = ["network.send_envelope", "clock.sleep_ms"]
  flow_budget {
    limit = 1000
  }
}

agent "g3" {
  allow = ["network.send_envelope", "clock.sleep_ms"]
  flow_budget {
    limit = 1000
  }
}

# Duplicated envelopes all run long: the guard chain refuses each copy.
fault "duplicate" {
  at   = "0s"
  rate = 0.05
}

swarm {
  drop             = 0.02
  duplicate        = 0.2
  delay            = "0ms..20ms"
  partitions       = 2
  partition_length = "10ms..100ms"
  window           = "0ms..60ms"
}

run "approval" {
  protocol = "fresh_approval.hcl"
  roles = {
    Account       = "account"
    "Guardian[0]" = "g1"
    "Guardian[1]" = "g2"
    "Guardian[2]" = "g3"
  }
  timeout = "1h"
}

invariant "two_approvals" {
  builtin   = "threshold_grant"
  run       = "approval"
  role      = "Account"
  approve   = "Approve"
  grant     = "Granted"
  threshold = 2
}
