package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/admin"
)

// NoAgents is what is said of a deployment without agent blocks: a plain
// plugin host, whose calls no guard chain checks.
const NoAgents = "no agents: calls are not guarded"

// WriteServing prints what `aura-host run` shows once the deployment
// serves: the start tables (admin.Status.WriteStartTables), then how many
// operations dep (the deployment served) serves and as whom.
func (s *Served) WriteServing(w io.Writer, dep *config.Deployment) {
	st := s.Status()
	st.WriteStartTables(w)
	if s.Metrics != nil {
		fmt.Fprintf(w, "\nmetrics at %s\n", s.Metrics.URL())
	}
	serving := fmt.Sprintf("deployment %q is serving %d operations", dep.Name, len(s.Host.Registry().Entries()))
	if s.Group == nil {
		fmt.Fprintf(w, "\n%s\n%s; press Ctrl-C to stop\n", NoAgents, serving)
		return
	}
	fmt.Fprintf(w, "\n%s as its agents %s, each call through its agent's guard chain; press Ctrl-C to stop\n",
		serving, strings.Join(AgentNames(dep), ", "))
}

// OneOffShutdown bounds the shutdown of what InvokeOnce started.
const OneOffShutdown = 10 * time.Second

// InvokeOnce makes one call typed as people write it (`aura-host
// invoke`: effects.TextArgs) as agent as ("": the only one) in dep, within
// timeout: into the host serving dep when one runs and useRunning (calling
// it through its admin endpoint rather than starting a second copy, whose
// storage the first holds locked) — running is then that host's PID — else
// into what StartAs starts for the call, with hc, stopped afterwards
// (running 0). A start-up failure is StartAs's error, configuration
// mistakes included. A call that ends at its deadline is a *TimeoutError,
// whichever side — the plugin, the host's router, the admin endpoint or
// this client — noticed it first.
func InvokeOnce(ctx context.Context, dep *config.Deployment, as string, op effects.OpID, args effects.TextArgs,
	timeout time.Duration, useRunning bool, hc host.Config) (v effects.Value, running int, err error) {
	if useRunning {
		// Finding the running host is not part of the call: a deadline
		// shorter than its status request must not start a second copy.
		findCtx, cancel := context.WithTimeout(ctx, max(timeout, findBound))
		c, st, ok := admin.FindRunning(findCtx, dep.StateDir, dep.Name)
		cancel()
		if ok {
			callCtx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			v, err = c.InvokeText(callCtx, as, op, args)
			return v, st.PID, timedOut(ctx, callCtx, op, timeout, err)
		}
	}
	// Start-up is bounded by ctx, not by the call's timeout.
	h, stop, err := StartAs(ctx, dep, as, hc)
	if err != nil {
		return effects.Value{}, 0, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), OneOffShutdown)
		defer cancel()
		if serr := stop(sctx); serr != nil && hc.Logger != nil {
			hc.Logger.Error("shutdown", "error", serr)
		}
	}()
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err = h.InvokeText(callCtx, op, args)
	return v, 0, timedOut(ctx, callCtx, op, timeout, err)
}

// findBound bounds the search for a running host (its status request).
const findBound = 10 * time.Second

// deadlineSlack is how close to the call's deadline a timeout the plugin
// or the admin endpoint reported counts as the call's own: each side
// measures the same deadline on its own timer, and a timeout of the
// plugin's call policy that ends the call earlier is that policy's, and
// reported as it is.
const deadlineSlack = 20 * time.Millisecond

// TimeoutError is a call that ran out of the time InvokeOnce gave it.
type TimeoutError struct {
	Op      effects.OpID
	Timeout time.Duration
	// Err is what the side that noticed the deadline first returned.
	Err error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %v calling %s: the call was cancelled at its deadline", e.Timeout, e.Op)
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// timedOut is err, or a *TimeoutError when the call ended at callCtx's
// deadline (not because ctx, the caller's, ended).
func timedOut(ctx, callCtx context.Context, op effects.OpID, timeout time.Duration, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	dl, _ := callCtx.Deadline()
	atDeadline := errors.Is(err, effects.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
	if callCtx.Err() != nil || atDeadline && time.Until(dl) < deadlineSlack {
		return &TimeoutError{Op: op, Timeout: timeout, Err: err}
	}
	return err
}

// MaxArgInput caps what ReadTextArgs reads from files and stdin, in all:
// far above the 128 KiB a command-line argument may hold, and under the
// 64 MiB a call to a plugin may take (sdk.MaxMessageBytes).
const MaxArgInput = 16 << 20

// ReadTextArgs reads an `aura-host invoke`'s arguments: the NAME=VALUE
// pairs, where a value @PATH is PATH's contents (@- stdin's; @@ escapes a
// literal @),
// and the --args-json object argsJSON names (a file, or - for stdin; ""
// for none), MaxArgInput bytes in all. effects.OpSpec.ParseTextArgs then
// reads each by the kind its parameter declares.
func ReadTextArgs(pairs []string, argsJSON string, stdin io.Reader) (effects.TextArgs, error) {
	in := effects.TextArgs{Files: map[string][]byte{}}
	budget := int64(MaxArgInput)
	stdinRead := false
	read := func(what, path string) ([]byte, error) {
		r := stdin
		if path == "-" {
			if stdinRead {
				return nil, fmt.Errorf("%s: stdin is read once, and another argument already reads it", what)
			}
			stdinRead = true
		} else {
			f, err := os.Open(path)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such file %s", what, path)
			} else if err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			defer f.Close()
			r = f
		}
		b, err := io.ReadAll(io.LimitReader(r, budget+1))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if budget -= int64(len(b)); budget < 0 {
			return nil, fmt.Errorf("%s: arguments read from files and stdin are limited to %d MiB in all", what, MaxArgInput>>20)
		}
		return b, nil
	}
	for _, pair := range pairs {
		name, value, _ := strings.Cut(pair, "=")
		switch {
		case strings.HasPrefix(value, "@@"):
			in.Pairs = append(in.Pairs, name+"="+value[1:])
		case strings.HasPrefix(value, "@"):
			b, err := read("argument "+pair, value[1:])
			if err != nil {
				return in, fmt.Errorf("%w (a value starting with @ names a file; write @@ for a literal @)", err)
			}
			if _, dup := in.Files[name]; dup {
				return in, fmt.Errorf("argument %q given twice", name)
			}
			in.Files[name] = b
		default:
			in.Pairs = append(in.Pairs, pair)
		}
	}
	if argsJSON != "" {
		b, err := read("--args-json "+argsJSON, argsJSON)
		if err != nil {
			return in, err
		}
		in.JSON = b
	}
	return in, nil
}
