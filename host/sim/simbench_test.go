package sim_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// hundredAgents is a simulation of 100 agents running 50 ping-pong sessions
// at once, pairwise, over one simulated network.
func hundredAgents() string {
	var b strings.Builder
	b.WriteString(simBase[:strings.Index(simBase, `agent "alice"`)])
	for i := range 100 {
		fmt.Fprintf(&b, "agent \"a%03d\" {\n  allow = [\"network.send_envelope\"]\n  flow_budget { limit = 100 }\n}\n", i)
	}
	b.WriteString(simBase[strings.Index(simBase, `plugin "crypto"`):])
	for i := 0; i < 100; i += 2 {
		fmt.Fprintf(&b, "run \"pp%03d\" {\n  protocol = \"PROTOCOLS/ping_pong.hcl\"\n  roles = { Client = \"a%03d\", Server = \"a%03d\" }\n}\n", i/2, i, i+1)
	}
	return b.String()
}

// BenchmarkSimulation100Agents reports the wall time and memory of a
// simulation of 100 agents running 50 ping-pong sessions: building the
// agents (each with its own in-process plugins) and running the sessions.
//
//	go test -run '^$' -bench Simulation100Agents -benchtime 3x ./host/
func BenchmarkSimulation100Agents(b *testing.B) {
	src := strings.ReplaceAll(hundredAgents(), "PROTOCOLS", protocolsDir())
	dep := deploymentB(b, src)
	var build, run time.Duration
	var heap uint64
	for range b.N {
		runtime.GC()
		start := time.Now()
		sim, err := sim.New(context.Background(), sim.Config{Deployment: dep, Seed: 1, Builtins: plugins.Lookup})
		if err != nil {
			b.Fatal(err)
		}
		built := time.Now()
		out, err := sim.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if out.Failed() {
			b.Fatalf("a session failed: %v", out.Runs)
		}
		build += built.Sub(start)
		run += time.Since(built)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapInuse)
		sim.Close(context.Background())
	}
	b.ReportMetric(float64(build.Milliseconds())/float64(b.N), "build-ms")
	b.ReportMetric(float64(run.Milliseconds())/float64(b.N), "run-ms")
	b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
}
