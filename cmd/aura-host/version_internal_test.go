package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// The CI builds with -buildvcs=false, so the revision line is checked on
// build information made here.
func TestVersionTextNamesTheRevisionAndGo(t *testing.T) {
	t.Parallel()
	info := &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.modified", Value: "true"}}}
	got := versionText(info, true)
	want := "aura-host v1.2.3\nrevision 0123abc+modified\ngo1.99.1 " + runtime.GOOS + "/" + runtime.GOARCH + "\nplugin protocol version "
	if !strings.HasPrefix(got, want) {
		t.Errorf("got\n%s\nwant it to start with\n%s", got, want)
	}
	if got := versionText(nil, false); !strings.HasPrefix(got, "aura-host (devel)\n"+runtime.Version()+" ") {
		t.Errorf("without build information:\n%s", got)
	}
}
