package supervise

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
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

func TestWriteOperationTable(t *testing.T) {
	var b strings.Builder
	err := WriteOperationTable(&b, map[string]effects.Descriptor{
		"storage": {Ops: []effects.OpSpec{{ID: "storage.store", Params: []effects.Param{{Name: "key", Kind: effects.KindString}}, Result: effects.KindBytes}}},
		"crypto":  {Ops: []effects.OpSpec{{ID: "crypto.hash", Params: []effects.Param{{Name: "data", Kind: effects.KindBytes}}, Result: effects.KindBytes}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "OPERATION      PLUGIN   SIGNATURE") ||
		!strings.HasPrefix(lines[1], "crypto.hash    crypto   crypto.hash(data bytes) -> bytes [") ||
		!strings.HasPrefix(lines[2], "storage.store  storage  storage.store(key string) -> bytes [") {
		t.Errorf("got\n%s", b.String())
	}
}
