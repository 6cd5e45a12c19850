# A threshold authority's devices make their key together: a 2-of-3
# distributed key generation (../protocols/frost_dkg.hcl) among three
# agents, each a device with its own crypto plugin, state and device key.
# No device ever holds the whole key; afterwards any two of them sign as one
# Ed25519 key (threshold_test.go signs with them and checks the signature
# with crypto/ed25519).
#
# In simulation the network drops 10% of the messages (the simulated
# transport retransmits) and device_3 is cut off from the leader for the
# first 300 ms of virtual time, while the ceremony runs; the same seed gives
# the same trace, byte for byte.
#
#   aura-host simulate examples/threshold/deployment.hcl --seed 7
#   aura-host simulate examples/threshold/deployment.hcl --seeds 1..100
#
# Run in production mode (from Go: sim.Config{Mode: effects.Production}, as
# host/sim's TestDKGInProductionOverLoopback does), the same file uses the
# real plugins below: each agent's plugins are processes, and the devices
# talk over the libp2p transport on loopback, authenticated by their device
# keys.

deployment "threshold_dkg" {
  mode = "simulation"
  seed = 1
}

# Holds each device's DKG secrets and signing share under a handle, sealed at
# rest in the agent's state directory with a key only its device key gives.
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
  config {
    path = "storage.db"
  }
}

plugin "network" {
  builtin    = "transport"
  depends_on = ["crypto", "clock"]
}

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

# The authority's three devices. Each send passes the guard chain: the
# capability, and a flow budget per (context, peer).
agent "device_1" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

agent "device_2" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

agent "device_3" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

fault "drop" {
  at   = "0s"
  rate = 0.1
}

fault "partition" {
  at         = "0s"
  between    = ["device_1", "device_3"]
  heal_after = "300ms"
}

run "dkg" {
  protocol = "../protocols/frost_dkg.hcl"
  roles = {
    Leader      = "device_1"
    "Member[0]" = "device_2"
    "Member[1]" = "device_3"
  }
  timeout = "1h"
}
