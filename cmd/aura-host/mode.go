package main

import (
	"github.com/spf13/pflag"

	"github.com/aurahost/aura-host/effects"
)

// modeHelp is the paragraph every command taking --mode adds to its help.
const modeHelp = `--mode overrides the deployment's mode (deployment { mode = ... }) for this
command: production runs the plugins as declared; testing and simulation
swap in the plugins of the file's testing { } or simulation { } block, each
replacing the top-level plugin of the same name (a simulation block's seed
also replaces the deployment's). A file without such a block runs its own
plugins in that mode, seeded.`

// modeValue is the --mode flag: empty (the file's mode) or a valid mode,
// checked when the flag is parsed (effects.Mode is a flag value) so a
// misspelling fails at once.
type modeValue struct{ mode effects.Mode }

// addModeFlag declares --mode on a command's flags.
func addModeFlag(fl *pflag.FlagSet) *modeValue {
	v := &modeValue{}
	fl.Var(&v.mode, "mode", "run in this mode instead of the deployment's: production, testing or simulation")
	return v
}
