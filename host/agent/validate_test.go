package agent_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/plugins"
)

// validate loads the deployment file src (written in a temporary
// directory, with the files it names) and validates it as `aura-host
// validate` does.
func validate(t *testing.T, dir, src string) hcl.Diagnostics {
	t.Helper()
	file := filepath.Join(dir, "deployment.hcl")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	dep, loaded := config.Load(file, config.Options{Builtins: plugins.Names()})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, diags, err := agent.Validate(ctx, dep, loaded, host.Config{Executable: auraHost, Logger: hosttest.QuietLogger(t), StopTimeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("validate: an error that is not a diagnostic: %v", err)
	}
	return diags
}

// lines renders diagnostics as "line: summary", in order.
func lines(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		out = append(out, fmt.Sprintf("%d: %s", d.Subject.Start.Line, d.Summary))
	}
	return out
}

// One validate reports the mistakes of every block and of every phase:
// the file's own (an unknown argument in the deployment block and in a
// plugin block), the plugins' config blocks against the schemas they
// declare, a storage path that is a directory, a builtin service's config
// block, and the state directory — each at its line.
func TestValidateReportsEveryMistakeInOnePass(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "state"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o700); err != nil {
		t.Fatal(err)
	}
	diags := validate(t, dir, `deployment "v" {
  state_dir = "state"
  bogus     = 1
}

plugin "crypto" {
  builtin = "crypto"
  colour  = "red"
}

plugin "storage" {
  builtin = "storage"
  config {
    nonsense = true
  }
}

plugin "clock" {
  builtin = "clock"
  config {
    unknown_key = 3
  }
}

plugin "journal" {
  builtin = "journal"
  config {
    path = "`+filepath.Join(dir, "adir")+`"
  }
}

agent "alice" {
  allow = ["*"]
}

service "signals" {
  builtin = "reactive"
  config {
    wrong = 1
  }
}
`)
	got := strings.Join(lines(diags), "\n")
	for _, want := range []string{
		"2: Unusable state directory",
		"3: Unsupported argument",
		"8: Unsupported argument",
		"14: Unsupported config argument",
		"21: Unsupported config argument",
		`28: Unusable file path (plugin "journal")`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q among the diagnostics:\n%s", want, got)
		}
	}
	found := false
	for _, d := range diags {
		found = found || d.Subject.Start.Line == 39
	}
	if !found {
		t.Errorf("no diagnostic for the service's config block (line 39):\n%s", got)
	}
	if t.Failed() {
		for _, d := range diags {
			t.Logf("%s: %s: %s", d.Subject, d.Summary, d.Detail)
		}
	}
}

// A plugin that cannot be launched (its binary is missing) does not hide
// the mistakes of the others: the launch error is returned beside them.
func TestValidateGoesOnPastAPluginThatDoesNotLaunch(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "deployment.hcl")
	src := `deployment "v" {}

plugin "gone" {
  command        = "` + filepath.Join(dir, "no-such-plugin") + `"
  allow_unpinned = true
}

plugin "clock" {
  builtin = "clock"
  config {
    unknown_key = 3
  }
}
`
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	dep, loaded := config.Load(file, config.Options{Builtins: plugins.Names()})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, diags, err := agent.Validate(ctx, dep, loaded, host.Config{Executable: auraHost, Logger: hosttest.QuietLogger(t), StopTimeout: 2 * time.Second})
	var errs hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d)
		}
	}
	if got := strings.Join(lines(errs), "\n"); got != "11: Unsupported config argument" {
		t.Errorf("diagnostics:\n%s\nwant the clock's config mistake at line 11", got)
	}
	if err == nil || !strings.Contains(err.Error(), `plugin "gone"`) {
		t.Errorf("error %v, want the gone plugin's launch error", err)
	}
}
