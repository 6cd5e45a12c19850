package admin

import (
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host/supervise"
)

func TestStatusWriteText(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	st := Status{Deployment: "demo", Mode: "testing", Authority: "ab12", PID: 42, Started: now.Add(-90 * time.Second),
		Plugins: []supervise.PluginStatus{
			{Name: "crypto", State: supervise.StateReady, PID: 7, Started: now.Add(-time.Minute), Calls: 3, P50: time.Millisecond, P99: 2 * time.Millisecond},
			{Name: "storage", State: supervise.StateFailed, Restarts: 5, LastExit: "exit status 1"},
		}}
	var b strings.Builder
	st.WriteText(&b, now)
	want := `deployment "demo" (testing), authority ab12, host pid 42, up 1m30s

PLUGIN   STATE   PID  UPTIME  RESTARTS  CALLS  ERRORS  P50   P99   LAST EXIT
crypto   ready   7    1m0s    0         3      0       ≤1ms  ≤2ms  -
storage  failed  0    -       5         0      0       -     -     exit status 1
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
