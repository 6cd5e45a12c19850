package supervise

import (
	"strings"
	"testing"
)

func TestWritePluginTable(t *testing.T) {
	var b strings.Builder
	WritePluginTable(&b, []PluginStatus{
		{Name: "crypto", State: StateReady, PID: 7, Version: "1.0.0", Operations: 4},
		{Name: "storage", State: StateStarting, Version: "0.2.0", Operations: 12},
	})
	want := `PLUGIN   STATE     PID  VERSION  OPERATIONS
crypto   ready     7    1.0.0    4
storage  starting  0    0.2.0    12
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
