package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/sdk"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of aura-host, the Go that built it, its VCS revision and plugin protocol",
		Long:  "Print what `aura-host --version` prints: the module version ((devel) when built from a clone), the VCS revision it was built from when known (+modified if the tree had changes), the Go version and platform, and the plugin protocol version.",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprint(cmd.OutOrStdout(), versionText(debug.ReadBuildInfo()))
		},
	}
}

// versionText is what `aura-host version` and `--version` print, from the
// build information the Go toolchain embeds (debug.ReadBuildInfo).
func versionText(info *debug.BuildInfo, ok bool) string {
	version, revision, goVersion := "(devel)", "", runtime.Version()
	if ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		goVersion = info.GoVersion
		modified := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && revision != "" {
			revision += "+modified"
		}
	}
	out := "aura-host " + version + "\n"
	if revision != "" {
		out += "revision " + revision + "\n"
	}
	return out + fmt.Sprintf("%s %s/%s\nplugin protocol version %d\n", goVersion, runtime.GOOS, runtime.GOARCH, sdk.ProtocolVersion)
}
