package sdk

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Option configures Serve.
type Option func(*serveOptions)

type serveOptions struct {
	logger         hclog.Logger
	parentWatchdog time.Duration
	noDataPlane    bool
}

// WithoutDataPlane serves the plugin without the data plane
// (DataPlaneCapability): the host then calls it over InvokeStream, as it
// calls a plugin written against an older SDK. For a plugin whose
// environment forbids unix sockets, and for comparing the two paths.
func WithoutDataPlane() Option { return func(o *serveOptions) { o.noDataPlane = true } }

// WithLogger sets the plugin's logger. Its output goes to stderr, which the
// host forwards into its own log under the plugin's name. The default logs
// JSON at the level the host asks for. (An option for plugin authors:
// nothing in this module passes it, so deadcode lists it.)
func WithLogger(l hclog.Logger) Option { return func(o *serveOptions) { o.logger = l } }

// WithParentWatchdog sets how often the plugin checks that the host that
// started it is still alive, exiting when it is gone (default 250ms; 0
// disables). On Linux the host also asks the kernel to kill the plugin when
// the host dies; the watchdog covers systems without that signal and hosts
// that die between fork and exec. (An option for plugin authors: nothing
// in this module passes it, so deadcode lists it.)
func WithParentWatchdog(every time.Duration) Option {
	return func(o *serveOptions) { o.parentWatchdog = every }
}

// Serve serves p as a plugin process until the host closes it. It does not
// return normally. A binary started by hand rather than by a host prints an
// explanation and exits with status 1; an invalid declaration is reported
// on stderr, which the host shows, with exit status 1.
func Serve(p *Plugin, opts ...Option) {
	o := serveOptions{parentWatchdog: 250 * time.Millisecond}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = hclog.New(&hclog.LoggerOptions{
			Name:       p.Name,
			Level:      hclog.LevelFromString(os.Getenv("AURA_PLUGIN_LOG_LEVEL")),
			Output:     os.Stderr,
			JSONFormat: true,
		})
	}
	if err := p.Validate(); err != nil {
		fmt.Fprintf(os.Stderr, "aura plugin: invalid plugin declaration: %v\n", err)
		os.Exit(1)
	}
	if o.parentWatchdog > 0 {
		go watchParent(o.parentWatchdog, o.logger)
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: serverPlugins(p, o.logger, !o.noDataPlane),
		GRPCServer:       NewGRPCServer,
		Logger:           o.logger,
	})
	os.Exit(0)
}

// HostPIDEnv names the environment variable in which the host tells its
// plugins its process ID, so that the watchdog knows its parent even if the
// host died before the watchdog started.
const HostPIDEnv = "AURA_HOST_PID"

// watchParent exits the process once its parent has gone: the process is
// then re-parented, so its parent PID changes.
func watchParent(every time.Duration, logger hclog.Logger) {
	parent := os.Getppid()
	if pid, err := strconv.Atoi(os.Getenv(HostPIDEnv)); err == nil && pid > 0 {
		parent = pid
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		if os.Getppid() != parent {
			logger.Error("host process is gone; exiting", "parent_pid", parent)
			os.Exit(3)
		}
	}
}

// NewGRPCServer is the gRPC server a plugin serves on, with the contract's
// message size limits. go-plugin passes its own options (TLS) in opts.
//
// Fixed flow-control windows (1 MiB per stream, 16 MiB per connection)
// replace gRPC's bandwidth-delay probing, which sends a PING on most data
// frames: on a local socket that is a syscall per call for nothing.
func NewGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	return grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(MaxMessageBytes), grpc.MaxSendMsgSize(MaxMessageBytes), grpc.InitialWindowSize(1<<20), grpc.InitialConnWindowSize(1<<24))...)
}

// DialOptions are the gRPC dial options a host uses to reach plugins, with
// the contract's message size limits (go-plugin's ClientConfig.GRPCDialOptions).
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageBytes), grpc.MaxCallSendMsgSize(MaxMessageBytes)), grpc.WithInitialWindowSize(1 << 20), grpc.WithInitialConnWindowSize(1 << 24)}
}
