// Package reactive is the agent's reactive pipeline (AURA-SPEC §5, the
// seed's reactive infrastructure): it turns the facts an agent's journal
// commits into signals — named values kept up to date — and delivers each
// change to subscribers.
//
// The agent runtime (host/agent, reactive.go) hosts one Pipeline per
// service "NAME" { builtin = "reactive" } block: a Router observer hands it
// every successful journal.append_fact, merge_facts and merge_signed call,
// the guard chain's own appends included (Offer, a Commit: the call's
// arguments and result, so no fact is read back), and the Pipeline serves the reactive operation family
// (effects.ReactiveOps: register, read, emit, list) as an effects.Handler.
// Go callers also Subscribe.
//
// Signals are declared by data (Definition, or its map form
// ParseDefinition reads): a source signal reduces the facts matching a
// predicate, type and/or authority (count, latest, ids, sum); an emit
// signal is set by the application; map, combine and filter signals derive
// from others. Every reduction is a function of the set of matching fact
// IDs, so a fact seen twice (appended again, merged from a peer, read back
// when its signal was registered) counts once, and values do not depend on
// how commits were batched.
//
// Batching: a commit that finds the pipeline idle is reduced at once and
// opens a window of Config.Window (5 ms); the commits that arrive while it
// is open are reduced together when it ends (opening the next), as soon as
// Config.FlushAt (1,000) facts wait, or when a read asks (Sync:
// read-your-writes). A window that ends with nothing waiting leaves the
// pipeline idle. So no fact waits more than one window, a lone fact none,
// and a burst costs one reduction per window or per 1,000 facts. The
// window is measured on the machine's monotonic clock (RealClock) in every
// mode, simulation included. It is a latency bound of the host's own work,
// not protocol time: no trace records it, and since values are functions
// of the committed facts, the window only decides which intermediate
// values a subscriber may see — which a lagging subscriber may skip
// anyway. A virtual clock would be wrong here: simulated time advances
// only when the simulated agents wait on it, so a batch could wait for an
// unrelated timer, or the pipeline's timer would drive the simulation's
// time. Tests inject a Clock whose timers fire when the test says.
//
// It may import effects and host/lifecycle (and pure libraries); it
// touches nothing of the OS, and never imports host or host/agent.
//
// Invariants a newcomer must not break:
//   - Offer never blocks and never waits for a lock held while values are
//     delivered: it runs on the goroutine of whoever committed the fact.
//     Past Config.MaxPending waiting facts it drops, degrades the service
//     and has the next batch resynchronise the sources from the journal.
//   - A subscriber never blocks the pipeline and never makes it queue:
//     its channel holds one value, replaced by the newest (Skipped).
//   - Derived signals form no cycle: a definition that would close one is
//     refused and changes nothing.
package reactive
