# One machine of the multi-host example: device_3, one of the authority's three devices.
# Five files, five machines (README.md in this folder): each runs
#
#   aura-host run device_3.hcl
#
# with the other four as peer blocks. Every file names the same seed, so an
# agent's authority (derived from its label and the seed) is the same on
# every machine. The public keys below are placeholders: on each machine,
# `aura-host key FILE` prints its agent's device key, which the other four
# write in their peer block for it.

deployment "multihost" {
  mode = "production"
  seed = 1
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
  config {
    path = "storage.db"
  }
}

plugin "network" {
  builtin    = "transport"
  depends_on = ["crypto", "clock"]
}

# The agent that runs here, and where its transport listens.
agent "device_3" {
  allow  = ["network.send_envelope"]
  listen = "/ip4/0.0.0.0/tcp/4001"
  flow_budget {
    limit = 1000
  }
  # Its journal's signed facts converge with these (anti-entropy over the
  # transport, every fact checked against its writer's device key).
  sync {
    with = ["device_1", "device_2", "guardian_1", "guardian_2"]
  }
}

peer "device_1" {
  address    = "/ip4/10.77.1.1/tcp/4001"
  public_key = "a95e89863a6ad8f57ea57f27333b25abd426aa7c87a0d365a411a4b27d669cf4"
}

peer "device_2" {
  address    = "/ip4/10.77.1.2/tcp/4001"
  public_key = "10fb7a69f866d567c9932f485be48c32f57f951e26308d29810791c6daac0672"
}

peer "guardian_1" {
  address    = "/ip4/10.77.1.4/tcp/4001"
  public_key = "87535c08f2977648f54a79bf4b525c5f6d97629060831b1d0551458ae891469d"
}

peer "guardian_2" {
  address    = "/ip4/10.77.1.5/tcp/4001"
  public_key = "cbdbc87a19479b337b083d4f7b057131bb1ab2cf43248b67502eefcce0202550"
}

# The runs, in order; each machine plays its own agent's roles.
#
# dkg: the three devices make the authority's 2-of-3 threshold key.
run "dkg" {
  protocol = "../protocols/frost_dkg.hcl"
  roles = {
    Leader      = "device_1"
    "Member[0]" = "device_2"
    "Member[1]" = "device_3"
  }
  timeout = "2m"
}

# recovery: device_3 asks both guardians to approve its recovery.
run "recovery" {
  protocol = "recovery.hcl"
  roles = {
    Account       = "device_3"
    "Guardian[0]" = "guardian_1"
    "Guardian[1]" = "guardian_2"
  }
  timeout = "2m"
}

# reshare: the devices refresh their shares; old ones no longer sign.
run "reshare" {
  protocol = "reshare.hcl"
  roles = {
    Leader      = "device_1"
    "Member[0]" = "device_2"
    "Member[1]" = "device_3"
  }
  timeout = "2m"
}

# sign: device_3, recovered, and device_1 sign as the authority's one key.
run "sign" {
  protocol = "../protocols/frost_sign.hcl"
  roles = {
    Coordinator = "device_3"
    "Signer[0]" = "device_1"
  }
  timeout = "2m"
}
