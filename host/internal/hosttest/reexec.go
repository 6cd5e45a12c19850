package hosttest

import (
	"fmt"
	"os"

	"github.com/aurahost/aura-host/host/internal/testplugin"
	"github.com/aurahost/aura-host/sdk"
)

// reexecEnv marks a test binary re-executed as a plugin. The host passes
// its environment to every plugin it starts, so setting it in the test
// process reaches each child.
const reexecEnv = "AURA_HOST_TEST_AS_PLUGIN"

// NoDataPlaneEnv, set to "1" in a built-in plugin's env block, serves it
// without the data plane (sdk.WithoutDataPlane), so that a test can run a
// built-in over InvokeStream.
const NoDataPlaneEnv = "AURA_HOST_TEST_NO_DATAPLANE"

// ServeIfPlugin is the first thing a subprocess test package's TestMain
// calls (as go-plugin's own tests do). In the test process it marks the
// environment and returns the test binary's path, which tests use both as
// the aura-host executable (built-ins are served as `EXE plugin serve
// NAME`) and as the test plugin's command. In a child started by a host,
// it serves the plugin its arguments name and exits: a built-in through
// builtins (the catalogue, plugins.Lookup: passed in, since only test files
// may import plugins from host), else the misbehaving test plugin in the
// mode args[0] names (testplugin.Main).
func ServeIfPlugin(builtins func(string) (func() *sdk.Plugin, bool)) string {
	if os.Getenv(reexecEnv) == "1" {
		args := os.Args[1:]
		if len(args) == 3 && args[0] == "plugin" && args[1] == "serve" {
			newPlugin, ok := builtins(args[2])
			if !ok {
				fmt.Fprintf(os.Stderr, "no built-in plugin %q\n", args[2])
				os.Exit(2)
			}
			var opts []sdk.Option
			if os.Getenv(NoDataPlaneEnv) == "1" {
				opts = append(opts, sdk.WithoutDataPlane())
			}
			sdk.Serve(newPlugin(), opts...)
		} else {
			testplugin.Main(args)
		}
		os.Exit(0)
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "find the test binary:", err)
		os.Exit(1)
	}
	if err := os.Setenv(reexecEnv, "1"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return exe
}
