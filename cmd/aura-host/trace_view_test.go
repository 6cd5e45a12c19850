package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trace view writes the page of what simulate and protocol run record:
// beside the record by default (and says where), to -o FILE, or to
// standard output with -o -; anything else is refused saying what to give.
func TestTraceViewWritesThePageOfBothKindsOfRecord(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "seed-7.jsonl")
	mustCLI(t, "simulate", simulationDeployment(t), "--seed", "7", "--decide", "Guardian[*]=Approve", "--record", bundle)

	out := mustCLI(t, "trace", "view", bundle)
	page := filepath.Join(dir, "seed-7.html")
	if want := "wrote " + page + ": 4 lifelines, 12 messages, "; !strings.HasPrefix(out, want) {
		t.Errorf("trace view without -o printed %q, want it to start %q", out, want)
	}
	html, err := os.ReadFile(page)
	if err != nil || !strings.HasPrefix(string(html), "<!DOCTYPE html>") || !strings.Contains(string(html), `"title":"simulation of deployment \"guardian_recovery\", seed 7"`) {
		t.Fatalf("the default page %s: %v\n%.300s", page, err, html)
	}
	run := filepath.Join(dir, "run.html")
	mustCLI(t, "trace", "view", bundle, "-o", run)
	again, _ := os.ReadFile(run)
	if string(again) != string(html) {
		t.Errorf("-o run.html wrote another page than the default: a view must depend on the record only")
	}
	if stdout := mustCLI(t, "trace", "view", bundle, "-o", "-"); stdout != string(html) {
		t.Errorf("-o - wrote %d bytes to standard output, want the %d of the page", len(stdout), len(html))
	}

	trace := filepath.Join(dir, "recovery.jsonl")
	mustCLI(t, "protocol", "run", exampleProtocol("guardian_recovery"), "--deployment", protocolsDeployment(t),
		"--decide", "Guardian[*]=Approve", "--record", trace)
	out = mustCLI(t, "trace", "view", trace, "-o", "-")
	if !strings.Contains(out, `"kind":"protocol"`) || !strings.Contains(out, `"name":"Guardian[2]"`) {
		t.Errorf("the page of a protocol trace has no role lifelines:\n%.400s", out)
	}
	if strings.Contains(out, `"private":`) || !strings.Contains(out, `private: \"(secret)\"`) {
		t.Errorf("the keypairs' private keys are not hidden in the page of a protocol trace")
	}

	for _, c := range []struct{ file, want string }{
		{filepath.Join(dir, "missing.jsonl"), "give a file written by `aura-host simulate --record` or `aura-host protocol run --record`"},
		{writeFile(t, "notes.jsonl", "{\"hello\":1}\n"), "neither a simulation bundle"},
	} {
		_, stderr, code := cli(t, "trace", "view", c.file)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("trace view %s: exit %d, stderr %q; want exit 1 saying %q", c.file, code, stderr, c.want)
		}
	}
}
