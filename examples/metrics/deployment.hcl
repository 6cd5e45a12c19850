# One agent and four built-in plugins, with the host's Prometheus metrics
# served on loopback. The endpoint has no authentication: bind it to
# loopback or a private interface only (docs/SECURITY.md).
#
#   aura-host run examples/metrics/deployment.hcl
#   curl -s 127.0.0.1:9464/metrics | grep '^aura_host_'
#   aura-host invoke examples/metrics/deployment.hcl random.random_bytes_32
#
# grafana-dashboard.json, next to this file, charts every family; import it
# in Grafana with a Prometheus data source that scrapes 127.0.0.1:9464.

deployment "metrics" {
  mode      = "production"
  state_dir = ".aura/metrics"
}

telemetry {
  prometheus = "127.0.0.1:9464"
}

# Every call it makes passes its guard chain; it may call nothing the
# chain guards, so a session.create is a capability denial, counted in
# aura_host_guard_denials_total{guard="capability"}.
agent "alice" {
  allow = []
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

plugin "session" {
  builtin    = "session"
  depends_on = ["journal", "clock", "random"]
}
