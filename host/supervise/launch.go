package supervise

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// launchSpec is everything needed to start one plugin process.
type launchSpec struct {
	plugin       *config.Plugin
	executable   string // the aura-host binary, for built-ins
	socketDir    string // parent of the plugin's private socket directory
	startTimeout time.Duration
	mode         effects.Mode // production refuses unpinned commands
	logger       hclog.Logger
	logLevel     hclog.Level
	stderr       StderrLimits // zero fields: DefaultStderrLimits
}

// instance is one running plugin process and its connection. A restart
// makes a new instance; an instance is never reused.
type instance struct {
	name    string
	client  *plugin.Client
	conn    *sdk.Client
	stream  *sdk.Stream // the data plane, or InvokeStream for a plugin without one
	runner  *processRunner
	started time.Time
	// socketDir is the host's private socket directory; the instance's
	// data-plane directory (dataDir) is made inside it and removed on kill.
	socketDir string
	dataDir   string
}

// launch starts the plugin process, completes go-plugin's handshake and
// dispenses the contract client. It verifies a pinned checksum before
// anything is executed. Every failure is a *LaunchError saying what to do.
func launch(ctx context.Context, spec launchSpec) (*instance, error) {
	p := spec.plugin
	if errUnsupported != nil {
		return nil, &LaunchError{Plugin: p.Name, Reason: "cannot run a plugin process on this system", Err: errUnsupported,
			Hint: "run aura-host on Linux, or run built-in plugins in process (host.Config.InProcess)"}
	}
	cmd, cleanup, err := command(spec)
	if err != nil {
		return nil, err
	}
	// Once the handshake is done (or failed) the process has the binary
	// mapped, or its interpreter has the script open: the private copy of a
	// pinned binary can go.
	defer cleanup()
	limits := spec.stderr
	var run atomic.Pointer[processRunner] // set by go-plugin's call of RunnerFunc
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: sdk.ClientPlugins(),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		GRPCDialOptions:  sdk.DialOptions(),
		// go-plugin hands RunnerFunc a blank command carrying the
		// environment it needs (handshake cookie, socket directory, the
		// host's environment); the plugin's own settings go after it.
		RunnerFunc: func(_ hclog.Logger, spec *exec.Cmd, _ string) (runner.Runner, error) {
			cmd.Env = append(spec.Env, cmd.Env...)
			r, err := newProcessRunner(cmd, p.Name, limits)
			run.Store(r)
			return r, err
		},
		// go-plugin makes a private 0700 socket directory for the plugin
		// under this one and removes it on Kill.
		UnixSocketConfig: &plugin.UnixSocketConfig{TempDir: spec.socketDir},
		StartTimeout:     spec.startTimeout,
		Logger:           fixedName{spec.logger},
		Stderr:           io.Discard, // lines are forwarded to Logger instead
		SyncStdout:       io.Discard,
		SyncStderr:       io.Discard,
	})
	inst := &instance{name: p.Name, client: client, started: time.Now(), socketDir: spec.socketDir}
	fail := func(err error) (*instance, error) {
		inst.runner = run.Load()
		exited := inst.kill(2 * time.Second)
		return nil, classifyStartError(p.Name, cmd.Args[0], err, exited) // the command as configured, not its private copy
	}
	// go-plugin's Start is bounded by StartTimeout but does not watch ctx.
	rpc, err := startWithContext(ctx, client, func() {
		if r := run.Load(); r != nil {
			_ = r.Kill(ctx)
		}
	})
	if err != nil {
		return fail(err)
	}
	inst.runner = run.Load()
	if inst.conn, err = sdk.Dispense(rpc, p.Name); err != nil {
		return fail(err)
	}
	inst.conn.SetLogger(spec.logger)
	return inst, nil
}

// openCalls opens the connection the instance's calls travel on: the
// data plane if the plugin declared it (in a fresh 0700 directory inside
// the host's socket directory, so that no other user can reach the
// plugin's socket), else an InvokeStream. A declared data plane that does
// not open is a *LaunchError: the plugin is broken, and trusting it with
// the stream instead would hide that.
func (in *instance) openCalls(ctx context.Context) error {
	if !in.conn.OffersDataPlane() {
		var err error
		if in.stream, err = in.conn.OpenStream(); err != nil {
			return &LaunchError{Plugin: in.name, Reason: "cannot open the call stream", Err: err}
		}
		return nil
	}
	dir, err := os.MkdirTemp(in.socketDir, "dp.")
	if err != nil {
		return &LaunchError{Plugin: in.name, Reason: "cannot create the data-plane directory", Err: err}
	}
	in.dataDir = dir
	if in.stream, err = in.conn.OpenDataPlane(ctx, dir); err != nil {
		return &LaunchError{Plugin: in.name, Reason: "cannot open the data plane it declared", Err: err,
			Hint: "the plugin lists " + sdk.DataPlaneCapability + " in Describe but does not serve it as sdk/PROTOCOL.md §5.10 says; fix the plugin, or serve it with sdk.WithoutDataPlane()"}
	}
	return nil
}

func startWithContext(ctx context.Context, c *plugin.Client, abort func()) (plugin.ClientProtocol, error) {
	type result struct {
		rpc plugin.ClientProtocol
		err error
	}
	done := make(chan result, 1)
	go func() {
		rpc, err := c.Client()
		done <- result{rpc, err}
	}()
	select {
	case r := <-done:
		return r.rpc, r.err
	case <-ctx.Done():
		abort() // makes Client() return promptly
		<-done
		return nil, ctx.Err()
	}
}

// command builds the plugin's exec.Cmd: the aura-host binary re-executed
// for a built-in, or the external command. A pinned command runs from a
// private copy of the bytes that were hashed (pin.go); cleanup removes that
// copy and is never nil. An unpinned command in production is refused
// unless its block allows it.
func command(spec launchSpec) (cmd *exec.Cmd, cleanup func(), err error) {
	p := spec.plugin
	cleanup = func() {}
	switch {
	case p.Builtin != "":
		cmd = exec.Command(spec.executable, "plugin", "serve", p.Builtin)
	default:
		if err := checkUnpinned(p, spec.mode); err != nil {
			return nil, nil, err
		}
		f, err := openBinary(p)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		if p.SHA256 == nil {
			// Nothing is pinned: whatever is at the path when it is
			// executed runs, as the deployment allows.
			cmd = exec.Command(p.Command, p.Args...)
			break
		}
		private, err := pinnedCopy(p, f, spec.socketDir)
		if err != nil {
			return nil, nil, err
		}
		cleanup = func() { _ = os.Remove(private) }
		// Path is the verified copy; argv[0] stays the configured command,
		// so `ps` shows what the operator wrote.
		cmd = &exec.Cmd{Path: private, Args: append([]string{p.Command}, p.Args...)}
	}
	cmd.Env = append(cmd.Env, "AURA_PLUGIN_LOG_LEVEL="+spec.logLevel.String(),
		fmt.Sprintf("%s=%d", sdk.HostPIDEnv, os.Getpid()))
	for k, v := range p.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd, cleanup, nil
}

// classifyStartError turns go-plugin's start-up failures into errors an
// operator can act on.
func classifyStartError(name, path string, err error, exited bool) error {
	var le *LaunchError
	if errors.As(err, &le) {
		return err
	}
	msg := err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return &LaunchError{Plugin: name, Reason: "start-up abandoned", Err: err}
	case strings.Contains(strings.ToLower(msg), "incompatible api version"):
		return &LaunchError{Plugin: name, Reason: "plugin speaks another protocol version", Err: err,
			Hint: fmt.Sprintf("this aura-host speaks plugin protocol version %d; rebuild the plugin against a matching aura-host sdk", sdk.ProtocolVersion)}
	case strings.Contains(msg, "exited before we could connect"),
		strings.Contains(msg, "Failed to read any lines") && exited:
		return &LaunchError{Plugin: name, Reason: "plugin exited during start-up, before the handshake", Err: err,
			Hint: "its own error is in the log lines just above, tagged with the plugin's name"}
	case strings.Contains(msg, "Unrecognized remote plugin message"):
		return &LaunchError{Plugin: name, Reason: path + " is not an Aura Host plugin (it did not print the plugin handshake)", Err: err,
			Hint: "check that `command` points at a plugin built with the aura-host sdk (sdk.Serve), and that it prints nothing to stdout before serving"}
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return &LaunchError{Plugin: name, Reason: "plugin did not complete the handshake in time", Err: err,
			Hint: "the plugin may be hanging at start-up; run it with AURA_PLUGIN_LOG_LEVEL=debug to see where"}
	case strings.Contains(msg, "unsupported plugin protocol") || strings.Contains(msg, "not allowed"):
		return &LaunchError{Plugin: name, Reason: "plugin offered a protocol other than gRPC", Err: err,
			Hint: "Aura Host plugins must serve gRPC (sdk.Serve does)"}
	}
	return &LaunchError{Plugin: name, Reason: "plugin failed to start", Err: err}
}

// pid returns the plugin's process ID.
func (in *instance) pid() int {
	if in.runner == nil {
		return 0
	}
	return in.runner.PID()
}

// exited is closed the moment the process exits.
func (in *instance) exited() <-chan struct{} {
	if in.runner == nil {
		closed := make(chan struct{})
		close(closed)
		return closed
	}
	return in.runner.exited
}

// exitStatus says how the process ended, once exited is closed.
func (in *instance) exitStatus() string {
	if in.runner == nil {
		return "never started"
	}
	return in.runner.status
}

// dying reports whether the process has exited or begun to.
func (in *instance) dying() bool {
	select {
	case <-in.exited():
		return true
	default:
	}
	return in.runner.dying()
}

// killProcess SIGKILLs the plugin's process group at once.
func (in *instance) killProcess() {
	if in.runner != nil {
		_ = in.runner.Kill(context.Background())
	}
}

// kill stops the instance within bound: go-plugin's graceful shutdown
// first, then SIGKILL of the process group if that has not finished by
// half the bound (a stopped or deadlocked plugin never answers). It
// reports whether the process was seen to exit.
func (in *instance) kill(bound time.Duration) bool {
	if in.stream != nil {
		in.stream.Close()
	}
	if in.dataDir != "" {
		_ = os.RemoveAll(in.dataDir)
	}
	graceful := make(chan struct{})
	go func() {
		in.client.Kill()
		close(graceful)
	}()
	t := time.NewTimer(bound / 2)
	defer t.Stop()
	select {
	case <-graceful:
	case <-t.C:
		in.killProcess()
		t.Reset(bound / 2)
		select {
		case <-graceful:
		case <-t.C:
		}
	}
	// Stragglers the plugin started in its group go too.
	in.killProcess()
	t.Reset(bound / 2)
	select {
	case <-in.exited():
		return true
	case <-t.C:
		return false
	}
}

// fixedName keeps go-plugin from renaming the plugin's logger after the
// executable path (every built-in is the aura-host binary): lines stay
// tagged with the plugin's name from the deployment.
type fixedName struct{ hclog.Logger }

func (f fixedName) Named(string) hclog.Logger { return f }

// Warn logs go-plugin's warnings, but "plugin failed to exit gracefully"
// at debug: go-plugin says it of every process it kills, a plugin that
// never finished its handshake included (whose start-up error the caller
// reports), and the host reports a plugin that does not stop in time
// itself ("plugin did not stop cleanly").
func (f fixedName) Warn(msg string, args ...any) {
	if msg == "plugin failed to exit gracefully" {
		f.Logger.Debug(msg, args...)
		return
	}
	f.Logger.Warn(msg, args...)
}
