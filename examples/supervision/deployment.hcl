# The quickstart's five built-in plugins, with supervision spelled out:
# start order, health probes, restart policy and call deadlines. Every
# value below is the default unless its comment says otherwise, so this
# file runs exactly like the quickstart; change a value to see its effect.
#
#   aura-host validate examples/supervision/deployment.hcl
#   aura-host run      examples/supervision/deployment.hcl
#   aura-host status   (from another terminal: state, restarts, latencies)

deployment "supervision" {
  mode = "production"
}

# Logging first, so every other plugin can log while it starts.
plugin "console" {
  builtin = "console"
}

plugin "clock" {
  builtin = "clock"
}

plugin "random" {
  builtin = "random"
  # Launched only when an operation of the random family is first needed.
  start = "lazy"
}

plugin "crypto" {
  builtin    = "crypto"
  depends_on = ["console"]

  # Probe every second; a probe that takes over 250ms has failed. Three
  # failures in a row (a hung or SIGSTOPped plugin) mean the process group
  # is killed and the plugin restarted.
  health {
    interval            = "1s"
    timeout             = "250ms"
    unhealthy_threshold = 3
    grace               = "0s"
  }

  # A crypto call that runs over 5s fails with a timeout (default 30s).
  call {
    timeout = "5s"
  }
}

# Storage starts after the clock and the console, and stops before them.
plugin "storage" {
  builtin      = "storage"
  depends_on   = ["clock", "console"]
  stop_timeout = "5s" # time to flush and close the database on shutdown

  # Restart with capped exponential backoff (10ms, 20ms, 40ms ... 5s). More
  # than 5 restarts within a minute mark the plugin failed: its operations
  # fail fast until an operator runs `aura-host reset storage`. Ten stable
  # seconds reset the backoff.
  restart {
    attempts     = 5
    window       = "1m"
    delay        = "10ms"
    max_delay    = "5s"
    mode         = "fail" # or "keep-trying"
    stable_after = "10s"
  }

  # Five consecutive failed calls open the circuit: calls fail fast for a
  # second, then one trial call decides. breaker_threshold = -1 disables it.
  call {
    timeout           = "30s"
    breaker_threshold = 5
    breaker_cooldown  = "1s"
  }

  config {
    # Relative to the plugin's own state directory.
    path = "storage.db"
  }
}
