package scenario_test

import (
	"context"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/host/sim/swarm"
	"github.com/aurahost/aura-host/plugins"
)

// A sweep counts, per fault kind, the seeds in which it fired, and its
// table says when a kind never fired (here a partition scheduled after
// every run has ended), in text and in JSON.
func TestSweepCoverageTable(t *testing.T) {
	dep := deployment(t, strings.ReplaceAll(simBase+pingPongRun+`
fault "drop" {
  at   = "0s"
  rate = 1
  duration = "50ms"
}
fault "partition" {
  at      = "10s"
  between = ["alice", "bob"]
}
`, "PROTOCOLS", protocolsDir()))
	sc, diags := scenario.Load("sim.hcl", dep)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	sc.Builtins, sc.Logger = plugins.Lookup, quietLogger(t)
	rep, err := sc.SweepSeeds(context.Background(), scenario.SeedRange{From: 1, To: 3}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := swarm.CoverageTable{{Kind: "drop", Scheduled: 3, Fired: 3, Share: 1}, {Kind: "partition", Scheduled: 3}}
	if !reflect.DeepEqual(rep.Coverage, want) {
		t.Fatalf("coverage %+v, want %+v", rep.Coverage, want)
	}
	var text strings.Builder
	rep.WriteSummary(&text)
	if !strings.Contains(text.String(), "fault coverage: the share of the 3 seeds in which each kind fired") ||
		!regexp.MustCompile(`(?m)^  partition +3 +0 +0\.0%  never fired$`).MatchString(text.String()) ||
		!regexp.MustCompile(`(?m)^  drop +3 +3 100\.0%$`).MatchString(text.String()) {
		t.Errorf("summary:\n%s", text.String())
	}
	js, err := json.Marshal(rep)
	if err != nil || !strings.Contains(string(js), `"coverage":[{"kind":"drop","scheduled":3,"fired":3,"share":1},{"kind":"partition","scheduled":3,"fired":0,"share":0}]`) {
		t.Errorf("JSON %s (%v)", js, err)
	}
}
