package conformance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/aurahost/aura-host/sdk"
)

// Command is a plugin executable (any language: a binary, or an
// interpreter and its script) started as a real process through go-plugin,
// with the handshake, environment and gRPC options the host uses. Each
// process runs in its own process group, which the suite kills when it is
// done with it.
type Command struct {
	// Path is the executable, looked up in $PATH if it has no slash (as a
	// shell would; the host itself resolves a deployment's command against
	// the deployment's directory).
	Path string
	// Args are the arguments after the executable.
	Args []string
	// Env is added to the environment the plugin inherits (NAME=VALUE).
	Env []string
	// StartTimeout bounds the handshake (default 10 s, the host's).
	StartTimeout time.Duration
	// Logger receives go-plugin's log and the plugin's stderr lines
	// (default: discarded; a failed handshake still quotes the last lines).
	Logger hclog.Logger
}

// stderrTail is how much of a plugin's stderr is kept to explain a failed
// start: the end of it, so a flood cannot grow it.
const stderrTail = 4 << 10

// Launch starts the command and completes go-plugin's handshake.
func (c *Command) Launch(ctx context.Context) (*Instance, error) {
	path, err := exec.LookPath(c.Path)
	if err != nil {
		return nil, fmt.Errorf("cannot run %s: %w", c.Path, err)
	}
	dir, err := os.MkdirTemp("", "aura-conf-")
	if err != nil {
		return nil, err
	}
	logger := c.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	start := c.StartTimeout
	if start <= 0 {
		start = 10 * time.Second
	}
	tail := &tailBuffer{max: stderrTail}
	var run atomic.Pointer[processRunner] // set by go-plugin's call of RunnerFunc
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: sdk.ClientPlugins(),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		GRPCDialOptions:  sdk.DialOptions(),
		RunnerFunc: func(_ hclog.Logger, base *exec.Cmd, _ string) (runner.Runner, error) {
			cmd := exec.Command(path, c.Args...)
			cmd.Args[0] = c.Path
			cmd.Env = append(append(base.Env, "AURA_PLUGIN_LOG_LEVEL=warn", sdk.HostPIDEnv+"="+strconv.Itoa(os.Getpid())), c.Env...)
			r, err := newProcessRunner(cmd)
			run.Store(r)
			return r, err
		},
		UnixSocketConfig: &plugin.UnixSocketConfig{TempDir: dir},
		StartTimeout:     start,
		Logger:           logger,
		Stderr:           tail,
		SyncStdout:       io.Discard,
		SyncStderr:       io.Discard,
	})
	var once sync.Once
	var rpc plugin.ClientProtocol
	closeAll := func() {
		once.Do(func() {
			r := run.Load()
			if r != nil && rpc != nil {
				// Ask first, as the host does; whatever is left after
				// a bound is killed.
				go func() { _ = rpc.Close() }()
				r.waitExit(2 * time.Second)
			}
			if r != nil {
				r.killGroup()
			}
			client.Kill()
			_ = os.RemoveAll(dir)
		})
	}
	rpc, err = startWithContext(ctx, client, func() {
		if r := run.Load(); r != nil {
			r.killGroup()
		}
	})
	r := run.Load()
	if err != nil {
		exited := r != nil && r.waitExit(2*time.Second)
		closeAll()
		return nil, handshakeError(err, exited, r, tail.String())
	}
	conn, err := sdk.Dispense(rpc, c.Path)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("dispense the aura plugin: %w", err)
	}
	return &Instance{
		Client: conn,
		Close:  closeAll,
		Shutdown: func(ctx context.Context) error {
			go func() { _ = rpc.Close() }() // GRPCController.Shutdown, then the connection
			select {
			case <-r.exited:
			case <-ctx.Done():
				r.killGroup()
				return errors.New("the process did not exit after GRPCController.Shutdown (the host kills its process group after about 2 s): stop serving and exit(0) when asked, PROTOCOL.md §2")
			}
			if r.exitCode != 0 {
				return fmt.Errorf("the process %s after GRPCController.Shutdown; exit with status 0 when asked", r.status)
			}
			if !r.groupGoneBy(ctx) {
				r.killGroup()
				return errors.New("the plugin exited but left processes running in its process group (the host kills the group; end your helpers when you exit)")
			}
			return nil
		},
	}, nil
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
		abort()
		<-done
		return nil, ctx.Err()
	}
}

// handshakeError says what went wrong in go-plugin's terms and the
// contract's, quoting the end of the plugin's stderr.
func handshakeError(err error, exited bool, r *processRunner, stderr string) error {
	msg := err.Error()
	var what string
	switch {
	case strings.Contains(strings.ToLower(msg), "incompatible api version"):
		what = fmt.Sprintf("the plugin announced another protocol version (%s); the host speaks version %d: "+
			"announce %d in the handshake line, PROTOCOL.md §1.4–1.5", msg, sdk.ProtocolVersion, sdk.ProtocolVersion)
	case strings.Contains(strings.ToLower(msg), "incompatible core api version"):
		what = "the handshake line's first field (go-plugin's core protocol) must be 1, PROTOCOL.md §1.5: " + msg
	case strings.Contains(msg, "Unrecognized remote plugin message") && !strings.Contains(msg, "Failed to read any lines"):
		what = "the first line on stdout is not a handshake line (CORE|APP|unix|ADDR|grpc|), PROTOCOL.md §1.5: " + msg
	case exited && r != nil && r.exitCode >= 0,
		strings.Contains(msg, "Failed to read any lines") && r != nil && r.waitExit(2*time.Second) && r.exitCode >= 0:
		what = fmt.Sprintf("the process %s before printing the handshake line; check that it accepts the magic cookie %s=%s (PROTOCOL.md §1.3)",
			r.status, sdk.Handshake.MagicCookieKey, sdk.Handshake.MagicCookieValue)
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		what = "no handshake line in time: print it as soon as you listen, PROTOCOL.md §1.5"
	case strings.Contains(msg, "unsupported plugin protocol") || strings.Contains(msg, "not allowed"):
		what = "the handshake line must name protocol grpc, PROTOCOL.md §1.5: " + msg
	default:
		what = msg
	}
	// Its last words matter when it ended itself; after a kill they are
	// only its start-up log.
	if line := lastLine(stderr); line != "" && exited && r != nil && r.exitCode >= 0 {
		what += "; its stderr ended with: " + strconv.Quote(line)
	}
	return errors.New(what)
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\r\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	const max = 300
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// StartWithoutCookie runs the command as a person would, without the magic
// cookie: it must print no handshake line and exit non-zero.
func (c *Command) StartWithoutCookie(ctx context.Context) error {
	path, err := exec.LookPath(c.Path)
	if err != nil {
		return fmt.Errorf("cannot run %s: %w", c.Path, err)
	}
	cmd := exec.Command(path, c.Args...)
	cmd.Args[0] = c.Path
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, sdk.Handshake.MagicCookieKey+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, c.Env...)
	r, err := newProcessRunner(cmd)
	if err != nil {
		return err
	}
	go func() { _, _ = io.Copy(io.Discard, r.stderr) }()
	if err := r.Start(ctx); err != nil {
		return err
	}
	defer r.killGroup()
	firstLine := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(io.LimitReader(r.stdout, 64<<10)).ReadString('\n')
		firstLine <- line
		_, _ = io.Copy(io.Discard, r.stdout)
	}()
	select {
	case <-r.exited:
	case <-ctx.Done():
		return fmt.Errorf("started without %s it kept running; check the cookie first and exit 1, PROTOCOL.md §1.3", sdk.Handshake.MagicCookieKey)
	}
	// stdout's writers are gone with the process (unless it left a child
	// holding it): the first line, if any, is there.
	select {
	case line := <-firstLine:
		if strings.Count(line, "|") >= 4 {
			return fmt.Errorf("started without %s it printed a handshake line %q; print none and exit 1, PROTOCOL.md §1.3", sdk.Handshake.MagicCookieKey, strings.TrimSpace(line))
		}
	case <-ctx.Done():
	}
	if r.exitCode == 0 {
		return fmt.Errorf("started without %s it exited with status 0; exit with status 1, PROTOCOL.md §1.3", sdk.Handshake.MagicCookieKey)
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
