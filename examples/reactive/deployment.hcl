# The reactive pipeline: signals kept up to date from the facts the
# agent's journal commits.
#
#   aura-host run examples/reactive/deployment.hcl
#   aura-host watch examples/reactive/deployment.hcl invites        # in another terminal
#   aura-host invoke examples/reactive/deployment.hcl journal.append_fact \
#     'fact={"map":{"type":"demo","predicate":"invited","authority":"alice","time":{"int":"1"},"body":"bob"}}'
#
# watch prints 0, then 1 when the fact commits.
deployment "reactive" {
  mode      = "testing"
  seed      = 5
  state_dir = ".aura/reactive"
}

agent "alice" {
  allow = ["*"]
}

plugin "journal" {
  builtin = "journal"
}

service "signals" {
  builtin = "reactive"
  config {
    signals = [
      { name = "invites", source = { predicate = "invited" }, reduce = "count" },
      { name = "last_invited", source = { predicate = "invited" }, reduce = "latest" },
      { name = "busy", emit = true, initial = false },
      { name = "summary", combine = ["invites", "busy"] },
    ]
  }
}
