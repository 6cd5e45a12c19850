package interchange

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/vm/project"
)

const pingPong = `{"name": "ping", "roles": ["A", "B"], "global":
  {"kind": "comm", "sender": "A", "receiver": "B", "branches": [{"label": {"name": "Ping", "sort": "unit"}, "continuation":
    {"kind": "comm", "sender": "B", "receiver": "A", "branches": [{"label": {"name": "Pong", "sort": "unit"}, "continuation": {"kind": "end"}}]}}]}}`

func TestRoundTripKeepsTheLocalTypes(t *testing.T) {
	t.Parallel()
	p, diags := ParseJSON([]byte(pingPong), "ping.json")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	js, err := GlobalJSON(p)
	if err != nil {
		t.Fatal(err)
	}
	back, diags := ParseJSON(js, "ping.json")
	if diags.HasErrors() {
		t.Fatalf("%s\n%s", diags, js)
	}
	pr1, d1 := project.Project(p)
	pr2, d2 := project.Project(back)
	if d1.HasErrors() || d2.HasErrors() {
		t.Fatal(d1, d2)
	}
	for _, role := range []string{"A", "B"} {
		a, errA := LocalJSON(pr1, role)
		b, errB := LocalJSON(pr2, role)
		if errA != nil || errB != nil || string(a) != string(b) {
			t.Errorf("%s: %s (%v) vs %s (%v)", role, a, errA, b, errB)
		}
	}
	if _, err := ProjectionJSON(pr1); err != nil {
		t.Error(err)
	}
}

func TestMistakesAreReportedAtTheirLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, src, want string }{
		{"not json", "{\n  \"kind\": ", "ping.json:2"},
		{"unknown kind", "{\"name\": \"x\", \"roles\": [\"A\"], \"global\":\n {\"kind\": \"teleport\"}}", "ping.json:2"},
		{"not an object", "[1, 2]", "ping.json:1"},
	} {
		_, diags := ParseJSON([]byte(tc.src), "ping.json")
		if !diags.HasErrors() {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if got := diags[0].Subject; got == nil || !strings.HasPrefix(got.String(), tc.want) {
			t.Errorf("%s: error at %v, want %s (%s)", tc.name, got, tc.want, diags.Error())
		}
	}
}
