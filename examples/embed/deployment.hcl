# The deployment the embedding example builds its agent from: effect
# handlers, the journal, and the invitation and recovery services. In
# simulation mode the clock, randomness and storage are swapped for their
# simulated counterparts; the guard chain applies in every mode.

deployment "embed" {
  seed = 42
}

# The agents this program runs: alice and her three guardians. Guarded
# operations (the services' and sends) need a capability; "*" grants them
# all. The device family (device.sign, device.public_key) is served by the
# agent runtime itself with each agent's own key.
agent "alice" {
  allow = ["invitation.*", "recovery.*"]
}

agent "carol" {
  allow = ["invitation.*"]
}

agent "dave" {
  allow = ["invitation.*"]
}

agent "erin" {
  allow = ["invitation.*"]
}

plugin "crypto" { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock" { builtin = "clock" }
plugin "random" { builtin = "random" }
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
  plugin "clock" { builtin = "sim-clock" }
  plugin "random" { builtin = "sim-random" }
  plugin "storage" { builtin = "sim-storage" }
}
