package config

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

const faultFileAgents = `
deployment "d" {
  mode = "simulation"
}
agent "alice" {}
agent "bob" {}
agent "carol" {}
plugin "journal" {
  builtin = "storage"
}
`

// Every kind written by WriteFaults parses back to the same values, and
// writing those again gives the same bytes.
func TestWriteFaultsParsesBackToTheSameFaults(t *testing.T) {
	dep := parseClean(t, faultFileAgents)
	faults := []*Fault{
		{Kind: FaultDrop, At: 0, Rate: 0.05},
		{Kind: FaultDuplicate, At: 12 * time.Millisecond, Rate: 0.001, Duration: time.Second},
		{Kind: FaultDelay, At: 3 * time.Millisecond, Min: 0, Max: 17 * time.Millisecond},
		{Kind: FaultPartition, At: 40 * time.Millisecond, Between: []string{"alice", "bob", "carol"}, HealAfter: 25 * time.Millisecond},
		{Kind: FaultPartition, At: 90 * time.Millisecond, Between: []string{"bob", "carol"}},
		{Kind: FaultCrash, At: 1500 * time.Millisecond, Agent: "carol", RestartAfter: time.Millisecond},
		{Kind: FaultStorageFailure, At: 0, Rate: 0.5},
		{Kind: FaultStorageFailure, At: 0, Rate: 0.25, Agent: "bob", Duration: 2 * time.Second},
		{Kind: FaultPluginCrash, At: 35 * time.Millisecond, Agent: "alice", Plugin: "journal"},
	}
	var b bytes.Buffer
	if err := WriteFaults(&b, faults); err != nil {
		t.Fatal(err)
	}
	got, diags := ParseFaults(b.Bytes(), "faults.hcl", dep)
	if len(diags) > 0 {
		t.Fatalf("the written faults do not parse:\n%s\n%s", b.String(), diags)
	}
	if len(got) != len(faults) {
		t.Fatalf("%d faults back, want %d:\n%s", len(got), len(faults), b.String())
	}
	for i, f := range faults {
		g := got[i]
		if g.Kind != f.Kind || g.At != f.At || g.Rate != f.Rate || g.Min != f.Min || g.Max != f.Max ||
			g.HealAfter != f.HealAfter || g.RestartAfter != f.RestartAfter || g.Duration != f.Duration ||
			g.Agent != f.Agent || g.Plugin != f.Plugin || !slices.Equal(g.Between, f.Between) {
			t.Errorf("fault %d: wrote %+v, read %+v", i, *f, *g)
		}
	}
	var again bytes.Buffer
	if err := WriteFaults(&again, got); err != nil {
		t.Fatal(err)
	}
	if again.String() != b.String() {
		t.Errorf("written twice, different bytes:\n%s\n----\n%s", b.String(), again.String())
	}
}

// A fault file is checked as fault blocks are, against the deployment's
// agents, with each mistake at its line; anything but fault blocks is
// refused.
func TestParseFaultsReportsMistakesAtTheirLines(t *testing.T) {
	dep := parseClean(t, faultFileAgents)
	for _, c := range []struct {
		name, src, want string
	}{
		{"unknown agent", "fault \"crash\" {\n  at = \"1ms\"\n  agent = \"dave\"\n}\n", "Unknown agent@3:11"},
		{"unknown plugin", "fault \"plugin_crash\" {\n  at = \"1ms\"\n  agent = \"bob\"\n  plugin = \"jurnal\"\n}\n", "Unknown plugin@4:12"},
		{"plugin crash without its plugin", "fault \"plugin_crash\" {\n  at = \"1ms\"\n  agent = \"bob\"\n}\n", "Missing"},
		{"plugin crash lasting", "fault \"plugin_crash\" {\n  at = \"1ms\"\n  agent = \"bob\"\n  plugin = \"journal\"\n  duration = \"1s\"\n}\n", "Argument not allowed for this fault@5:3"},
		{"wrong attribute", "fault \"drop\" {\n  at = \"1ms\"\n  rate = 0.1\n  heal_after = \"1s\"\n}\n", "Argument not allowed for this fault@4:3"},
		{"not a fault", "agent \"dave\" {}\n", "Unsupported block type@1:1"},
		{"bare attribute", "rate = 0.1\n", "Unsupported argument@1:1"},
		{"syntax", "fault \"drop\" {\n", "Unclosed configuration block@1:14"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, diags := ParseFaults([]byte(c.src), "faults.hcl", dep)
			got := strings.Join(summaries(diags), ", ")
			if !strings.Contains(got, c.want) {
				t.Errorf("diagnostics %s, want %s", got, c.want)
			}
		})
	}
}

// WriteFaults writes every kind of fault a block can declare, with the
// attributes the kind requires, and refuses a kind it does not know
// rather than writing a block that would not parse: a new kind needs its
// line in faultAttrs (the shrinker prints what it writes).
func TestWriteFaultsKnowsEveryKind(t *testing.T) {
	for _, k := range faultKinds {
		attrs, err := faultAttrs(&Fault{Kind: k.name})
		if err != nil {
			t.Errorf("kind %s: %v", k.name, err)
			continue
		}
		var names []string
		for _, a := range attrs {
			names = append(names, a[0])
		}
		for _, r := range k.required {
			if !slices.Contains(names, r) {
				t.Errorf("kind %s is written without its required %s: %v", k.name, r, names)
			}
		}
	}
	if err := WriteFaults(&bytes.Buffer{}, []*Fault{{Kind: "meteor"}}); err == nil || !strings.Contains(err.Error(), `"meteor"`) {
		t.Errorf("an unknown kind: %v", err)
	}
}
