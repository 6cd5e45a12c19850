package sim

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/internal/atomicfile"
)

// RunRecord is one run's outcome as one machine of a multi-host
// deployment recorded it: what its own agents' roles ended with.
type RunRecord struct {
	Run string `json:"run"`
	// Error is the run's fault as this machine saw it; empty when its roles
	// completed.
	Error string `json:"error,omitempty"`
	// FinishedAt is when the run ended here (wall clock).
	FinishedAt time.Time `json:"finished_at"`
	// Roles maps each role played here to the agent that played it.
	Roles map[string]string `json:"roles"`
	// Bindings are each local role's final bindings, each value's
	// canonical encoding in hex, with secret fields (private keys, share
	// scalars, nonces) redacted.
	Bindings map[string]map[string]string `json:"bindings"`
	// Recorded is true when the run was not run now: an earlier start of
	// this machine had recorded it.
	Recorded bool `json:"-"`
}

// String is the record's line for people: the run, and whether it
// completed or why not; (recorded …) when an earlier start ran it.
func (r *RunRecord) String() string {
	when := ""
	if r.Recorded {
		when = " (recorded " + r.FinishedAt.Format("2006-01-02 15:04:05") + ")"
	}
	if r.Error != "" {
		return fmt.Sprintf("run %s: failed%s: %s", r.Run, when, r.Error)
	}
	return fmt.Sprintf("run %s: completed%s", r.Run, when)
}

// Binding decodes a recorded binding of role.
func (r *RunRecord) Binding(role, name string) (effects.Value, error) {
	h, ok := r.Bindings[role][name]
	if !ok {
		return effects.Value{}, fmt.Errorf("run %s: role %s has no binding %q", r.Run, role, name)
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return effects.Value{}, err
	}
	return effects.DecodeCanonical(b)
}

// RunsDir is where a machine of a multi-host deployment records its runs'
// outcomes: runs/ in the deployment's state directory.
func (s *Simulation) RunsDir() string { return filepath.Join(s.dep.StateDir, "runs") }

// RunEach runs the deployment's runs one after another, in the order the
// file declares them, as this machine's part of them (its agents' roles;
// the peers play theirs on their machines). Each outcome is recorded, whole
// or not at all, in RunsDir as NAME.json before report sees it; a run
// recorded there as completed by an earlier start is not run again
// (report gets the record with Recorded set), so a machine restarted
// after a crash resumes at the run it was in, which starts over from its
// beginning (as does a run recorded as failed, whose record it replaces) (a protocol
// session's state is not durable; its peers' copy of the run ends at its
// timeout and is recorded as failed there). A run in which no local agent
// plays a role is skipped silently. RunEach stops at ctx's end.
func (s *Simulation) RunEach(ctx context.Context, report func(*RunRecord)) error {
	if err := os.MkdirAll(s.RunsDir(), 0o700); err != nil {
		return err
	}
	for _, decl := range s.dep.Runs {
		roles := map[string]string{}
		for role, name := range decl.Roles {
			if s.isLocal(name) {
				roles[role] = name
			}
		}
		if len(roles) == 0 {
			continue
		}
		path := filepath.Join(s.RunsDir(), decl.Name+".json")
		if rec, err := readRunRecord(path); err == nil && rec.Error == "" {
			rec.Recorded = true
			report(rec)
			continue
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		out, err := s.RunNamed(ctx, decl.Name)
		if ctx.Err() != nil {
			return ctx.Err() // interrupted: nothing to record, the run starts over next time
		}
		if err != nil {
			return err
		}
		r := out.Runs[0]
		rec := &RunRecord{Run: decl.Name, FinishedAt: time.Now().UTC(), Roles: roles, Bindings: map[string]map[string]string{}}
		if r.Err != nil {
			rec.Error = r.Err.Error()
		}
		for _, m := range r.machines {
			b := map[string]string{}
			for name, v := range m.m.Bindings(m.role) {
				b[name] = hex.EncodeToString(session.Redact(v).Canonical())
			}
			rec.Bindings[m.role] = b
		}
		if err := atomicfile.Write(path, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(rec)
		}); err != nil {
			return fmt.Errorf("record run %s: %w", decl.Name, err)
		}
		report(rec)
	}
	return nil
}

func readRunRecord(path string) (*RunRecord, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rec RunRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): remove it to run that run again", path, err)
	}
	return &rec, nil
}

// ReadRunRecord reads the outcome a machine recorded for run in the state
// directory stateDir.
func ReadRunRecord(stateDir, run string) (*RunRecord, error) {
	return readRunRecord(filepath.Join(stateDir, "runs", run+".json"))
}
