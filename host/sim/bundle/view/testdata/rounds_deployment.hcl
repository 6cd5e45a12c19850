# Five agents run rounds.hcl (204 messages) under message loss, delay, a
# partition and a crash: the run viewer's size test (view_test.go)
# simulates it and opens the page in headless Chromium.

deployment "rounds" {
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

agent "hub" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

agent "a" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

agent "b" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

agent "c" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

agent "d" {
  allow = ["network.send_envelope"]
  flow_budget {
    limit = 1000
  }
}

fault "drop" {
  at       = "0s"
  rate     = 0.05
  duration = "1s"
}

fault "delay" {
  at       = "50ms"
  min      = "5ms"
  max      = "20ms"
  duration = "300ms"
}

fault "partition" {
  at         = "100ms"
  between    = ["hub", "a"]
  heal_after = "150ms"
}

fault "crash" {
  at            = "200ms"
  agent         = "c"
  restart_after = "100ms"
}

run "rounds" {
  protocol = "rounds.hcl"
  roles = {
    Hub = "hub"
    A   = "a"
    B   = "b"
    C   = "c"
    D   = "d"
  }
  timeout = "1h"
}
