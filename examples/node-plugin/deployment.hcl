# A deployment that loads the Node.js example plugin (plugin.js beside this
# file) through node. See README.md.
#
#   (cd examples/node-plugin && npm ci)
#   aura-host invoke examples/node-plugin/deployment.hcl node.greet name=Ada

deployment "node_example" {
  mode = "testing"
  seed = 7
}

plugin "node" {
  # Relative to this file. plugin.js starts with "#!/usr/bin/env node", so
  # node is found on PATH. It is not pinned by sha256: see README.md.
  command = "./plugin.js"

  config {
    greeting = "Bonjour"
  }
}
