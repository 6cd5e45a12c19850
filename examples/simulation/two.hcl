# Guardian recovery across four agents, in simulation: virtual time, seeded
# randomness, in-memory storage and a simulated network that drops 10% of
# the messages and is partitioned for a while, with more faults drawn per
# seed by the swarm block below. The same seed gives the
# same trace, byte for byte.
#
#   aura-host simulate examples/simulation/deployment.hcl --seed 7
#   aura-host simulate examples/simulation/deployment.hcl --seeds 1..200
#
# Run in production mode (from Go: sim.Config{Mode: effects.Production}, as
# host/sim's TestGuardianRecoveryInProductionOverLoopback does; `simulate`
# itself always simulates), the same file uses the real plugins below (wall
# clock, OS randomness, bbolt storage, the real transport) and ignores the
# simulation block and the faults.

deployment "guardian_recovery" {
  mode = "simulation"
  seed = 1 # used outside simulation mode; the simulation block sets its own
}

plugin "crypto" {
  builtin = "crypto"
}

# Every guarded operation (here: each send) is journaled: no journal, no send.
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
  config {
    path = "storage.db"
  }
}

plugin "network" {
  builtin    = "transport"
  depends_on = ["crypto", "clock"]
}

# In simulation mode each of these replaces the plugin of the same name; a
# swap must serve the same operations. Whatever the override does not write
# (here network's depends_on) is kept from the plugin above.
simulation {
  seed = 7

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

# Four agents, each its own authority (derived from its name and the seed).
# Sends pass the guard chain: each agent needs the capability, and a flow
# budget per (context, peer) — sends beyond it are refused as exhausted.
agent "account" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

agent "g1" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

agent "g2" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

agent "g3" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

# Faults, on virtual time from the start of the simulation.
fault "drop" {
  at   = "0s"
  rate = 0.1 # each message is lost with probability 10%, for the whole run
}

# A run takes a few hundred milliseconds of virtual time (the simulated
# transport retransmits every 100ms), so the partition starts with it and
# heals while it is under way: what account and g3 send each other before
# 150ms is lost, and the retransmissions after the heal get through.
fault "partition" {
  at         = "0s"
  between    = ["account", "g3"]
  heal_after = "150ms"
}

# Besides the faults above, each seed draws its own from these bounds (from
# a stream of its own derived from the seed), each kind one seed in two:
# whether to delay messages and by how much; up to two more partitions of
# its choosing, each starting in the first 300ms and lasting 10ms to
# 100ms; a rate (up to every message) at which messages are held back, up
# to 30ms to 150ms, so that others overtake them; clock skews, some
# agents' clocks 10ms to 200ms ahead or behind; a duplicate rate up to
# 30%; a crash of one agent, down 10ms to 100ms and restarted from its
# durable state; a storage failure rate up to 20%, of one agent's disk or
# every agent's, for 200ms to 500ms (the protocol stores the challenge,
# the decisions and the grant; an idempotent call refused is retried at
# the VM's effect boundary, up to 8 times, after waits on the agent's
# clock of 10ms doubling to 640ms); and up to two crash-restarts
# of an agent's own plugins (journal, crypto or random: what they made
# durable survives, what they held in memory does not). The bundle's
# swarm line lists what a seed drew; a sweep (--seeds) ends with the
# share of the seeds in which each kind of fault fired: over seeds
# 1..1000 every kind fires in more than 10% of them, and every seed
# passes (README, "Simulation"); over 1..10000 too (BENCHMARKS.md).
swarm {
  delay                  = "0ms..30ms"
  partitions             = 2
  partition_length       = "10ms..100ms"
  window                 = "0ms..300ms"
  reorder                = 1.0
  reorder_hold           = "30ms..150ms"
  clock_skew             = "10ms..200ms"
  duplicate              = 0.3
  crash                  = 1
  crash_length           = "10ms..100ms"
  storage_failure        = 0.2
  storage_failure_length = "200ms..500ms"
  plugin_crash           = 2
}

# The protocol to run, its roles bound to the agents above.
run "recovery" {
  protocol = "../protocols/agents/guardian_recovery.hcl"
  name     = "guardian_recovery"
  roles = {
    Account       = "account"
    "Guardian[0]" = "g1"
    "Guardian[1]" = "g2"
    "Guardian[2]" = "g3"
  }
  timeout = "1h" # virtual: with sim-clock it passes in well under a second
}

# Checked after every step of the simulation: the account grants only
# after approvals from two distinct guardians reached it. (receipt_once and
# flow_budget, the guard chain's promises, are checked in every
# simulation.) A violation stops the seed and names this block.
invariant "two_approvals" {
  builtin   = "threshold_grant"
  run       = "recovery"
  role      = "Account"
  approve   = "Approve"
  grant     = "Granted"
  threshold = 2
}

fault "crash" {
  at            = "120ms"
  agent         = "g1"
  restart_after = "30ms"
}
