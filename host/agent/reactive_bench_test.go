package agent_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/plugins"
)

const reactiveBenchDeployment = `
deployment "reactive_bench" {
  seed = 11
}
agent "alice" { allow = ["*"] }
plugin "journal" { builtin = "journal" }
service "signals" {
  builtin = "reactive"
  config {
    signals = [{ name = "n", source = { predicate = "bench" }, reduce = "count" }]
  }
}
`

// BenchmarkReactiveCommitToSubscriber measures, for one fact at a time
// appended through an agent's router to the real journal plugin (in
// process), how long after journal.append_fact returns a subscriber of a
// count signal over the fact's predicate receives the new count
// (commit-p50/p99-ns), and in the same run, as the baseline a caller would
// write instead, a direct journal.facts_by_predicate read of the same
// predicate right after the append (read-p50/p99-ns). append-p50/p99-ns
// is the append itself (its durable commit included), for scale.
//
// in-process runs the journal plugin in the host's process (sdk.Local);
// process runs it as its own process, over the plugin protocol, as a
// deployment does.
func BenchmarkReactiveCommitToSubscriber(b *testing.B) {
	b.Run("in-process", func(b *testing.B) { benchCommitToSubscriber(b, true) })
	b.Run("process", func(b *testing.B) { benchCommitToSubscriber(b, false) })
}

func benchCommitToSubscriber(b *testing.B, inProcess bool) {
	builder := agent.NewBuilder().WithConfig(hosttest.Deployment(b, reactiveBenchDeployment)).WithAuthorityLabel("alice").
		WithBuiltins(plugins.Lookup, inProcess)
	if !inProcess {
		builder = builder.WithExecutable(auraHost).WithStateDir(b.TempDir())
	}
	a, err := builder.BuildTesting(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	sub, err := a.Subscribe("n")
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	<-sub.C()
	ctx := context.Background()
	byPredicate := effects.Map(map[string]effects.Value{"predicate": effects.String("bench")})
	var appends, commit, read []time.Duration
	b.ResetTimer()
	for i := range b.N {
		f := effects.Map(map[string]effects.Value{"type": effects.String("bench"), "predicate": effects.String("bench"),
			"authority": effects.String("alice"), "time": effects.Int(int64(i)), "body": effects.Int(int64(i))})
		start := time.Now()
		if _, err := a.Invoke(ctx, effects.JournalAppendFact, effects.Map(map[string]effects.Value{"fact": f})); err != nil {
			b.Fatal(err)
		}
		committed := time.Now()
		appends = append(appends, committed.Sub(start))
		for v := range sub.C() {
			if n, _ := v.AsInt(); n == int64(i+1) {
				break
			}
		}
		commit = append(commit, time.Since(committed))
		start = time.Now()
		facts, err := a.Invoke(ctx, effects.JournalFactsByPredicate, byPredicate)
		if err != nil || facts.Len() != i+1 {
			b.Fatalf("direct read: %d facts, %v", facts.Len(), err)
		}
		read = append(read, time.Since(start))
	}
	b.StopTimer()
	report(b, "append", appends)
	report(b, "commit", commit)
	report(b, "read", read)
}

func report(b *testing.B, name string, d []time.Duration) {
	slices.Sort(d)
	q := func(p float64) float64 { return float64(d[min(len(d)-1, int(p*float64(len(d))))].Nanoseconds()) }
	b.ReportMetric(q(0.50), name+"-p50-ns")
	b.ReportMetric(q(0.99), name+"-p99-ns")
	b.ReportMetric(float64(d[len(d)-1].Nanoseconds()), name+"-max-ns")
}
