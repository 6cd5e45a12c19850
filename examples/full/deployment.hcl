# The whole service catalogue of the agent runtime (AURA-SPEC §5) in one
# deployment: the effect handlers, the service plugins (session, auth,
# invitation, recovery, rendezvous) and the services the agent runtime
# hosts in process (builtin = "..."), each started in dependency order once
# the plugins are up and stopped in reverse before them.
#
#   aura-host validate examples/full/deployment.hcl
#   aura-host plugins  examples/full/deployment.hcl   # every operation, services' included
#   aura-host run      examples/full/deployment.hcl   # prints the plugins, then the services in start order
#   aura-host status   examples/full/deployment.hcl   # from another terminal: each service's health

deployment "full" {
  seed = 17
}

# One authority. Its guarded operations need a capability: the services'
# own, and sends (network.send_envelope).
agent "alice" {
  allow = ["session.*", "auth.*", "invitation.*", "recovery.*", "rendezvous.*", "ceremony.*", "network.send_envelope", "transport.local_descriptor"]
}

# Effect handlers.
plugin "crypto" { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock" { builtin = "clock" }
plugin "random" { builtin = "random" }
plugin "storage" { builtin = "storage" }

# The libp2p transport; with no peers it only listens (on loopback, a port
# the system picks).
plugin "network" {
  builtin    = "transport"
  depends_on = ["crypto", "clock"]
}

# Service plugins: each runs in its own process, its state in the journal.
plugin "session" {
  builtin    = "session"
  depends_on = ["journal", "clock", "random"]
}
plugin "auth" {
  builtin    = "auth"
  depends_on = ["journal", "clock", "random", "crypto"]
}
plugin "invitation" {
  builtin    = "invitation"
  depends_on = ["journal", "clock", "random"]
}
plugin "recovery" {
  builtin    = "recovery"
  depends_on = ["journal", "clock", "random", "crypto"]
}
plugin "rendezvous" {
  builtin    = "rendezvous"
  depends_on = ["journal", "clock"]
}

# The guardian ceremony tracker: acceptances against a threshold; at the
# threshold it commits the pending key rotation, on expiry it rolls it back.
plugin "ceremony" {
  builtin    = "ceremony"
  depends_on = ["journal", "clock", "random", "crypto"]
}

service "session" {}
service "auth" {}
service "invitation" {}
service "recovery" {}
service "ceremony" {}
service "rendezvous_manager" {
  plugin     = "rendezvous"
  depends_on = ["network"]
}

# Services the agent runtime hosts: they read what no plugin may hold (the
# guard chain's budgets and receipts, every routed call).
service "flow_budget_manager" { builtin = "flow_budget_manager" }
service "receipt_manager" {
  builtin    = "receipt_manager"
  depends_on = ["flow_budget_manager"]
}
service "threshold_signing" { builtin = "threshold_signing" }
# Shared custody: sealed envelopes for an offline peer kept by 3 holders
# (this one-agent deployment has no peers, so it holds and deposits nothing).
service "hold_manager" {
  builtin    = "holds"
  depends_on = ["storage", "network"]
}
service "sync_service" {
  builtin    = "sync_service"
  depends_on = ["journal", "network"]
}
# The reactive pipeline: signals from the facts the journal commits
# (`aura-host watch examples/full/deployment.hcl invitations`).
service "reactive" {
  builtin    = "reactive"
  depends_on = ["journal"]
  config {
    signals = [
      { name = "invitations", source = { predicate = "invitation.created" }, reduce = "count" },
      { name = "last_invitation", source = { predicate = "invitation.created" }, reduce = "latest" },
    ]
  }
}
# Cover traffic: with privacy_mode = true every peer link carries at least
# floor_pps packets per second, the application's sends topped up with
# opaque cover envelopes charged to a reserved flow budget. Off, it only
# drops the cover its peers send (and `status` says so).
service "cover_traffic" {
  builtin    = "cover_traffic"
  depends_on = ["network", "clock", "random"]
  config {
    privacy_mode = false
    floor_pps    = 2
  }
}
# Smoothed round trips, loss, queue fill, peer churn (network.connected_peers,
# polled on the agent's clock) and hold success, with hysteresis: its health
# is in status, its values in system.get_metrics, and degraded health counts
# as pressure for the VM's scheduler.
service "local_health_observer" {
  builtin    = "local_health_observer"
  depends_on = ["network"]
  config { poll_interval_ms = 10000 }
}

# Homes and neighbourhoods from the journal's verified relationships, relay
# candidates, and per-destination paths (direct unless privacy mode is on).
service "social_manager" { builtin = "social_manager" }
service "selection" {
  builtin    = "selection"
  depends_on = ["social_manager"]
}

# Periodic upkeep: expire invitations, republish the agent's descriptor
# before it expires, advance open ceremonies. A failing job degrades the
# service (status says which and why) until it next succeeds.
service "maintenance" {
  builtin    = "maintenance"
  depends_on = ["rendezvous_manager", "ceremony"]
}

simulation {
  plugin "clock" { builtin = "sim-clock" }
  plugin "random" { builtin = "sim-random" }
  plugin "storage" { builtin = "sim-storage" }
  plugin "network" { builtin = "sim-network" }
}
