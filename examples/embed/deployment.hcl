# The deployment the embedding example builds its agent from: effect
# handlers, the journal, and the invitation and recovery services. In
# simulation mode the clock, randomness and storage are swapped for their
# simulated counterparts; the guard chain applies in every mode.

deployment "embed" {
  seed = 42
}

# The agent this program runs as. Guarded operations (the services' and
# sends) need a capability; "*" grants them all.
agent "alice" {
  allow = ["invitation.*", "recovery.*"]
}

plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
plugin "random"  { builtin = "random" }
plugin "storage" { builtin = "storage" }

plugin "invitation" {
  builtin    = "invitation"
  depends_on = ["journal", "clock", "random"]
}

plugin "recovery" {
  builtin    = "recovery"
  depends_on = ["journal", "clock", "random", "crypto"]
}

service "invitation" {}
service "recovery" {}

simulation {
  plugin "clock"   { builtin = "sim-clock" }
  plugin "random"  { builtin = "sim-random" }
  plugin "storage" { builtin = "sim-storage" }
}
