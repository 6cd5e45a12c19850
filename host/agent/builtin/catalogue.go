package builtin

import (
	"context"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// The services of AURA-SPEC §5's catalogue whose state the guard chain or
// the agent already keeps: each a view over it with its own health, so a
// deployment declares it, `status` reports it and its operations read it.
// None of their operations writes: a budget rises only by an epoch
// rotation the agent itself decides (Agent.RotateEpoch), never by a call.

// catalogueKinds are the catalogue's view services.
func catalogueKinds() []ServiceKind {
	ops := effects.RuntimeServiceOps()
	kinds := []ServiceKind{
		{Kind: "flow_budget_manager", Doc: "The guard chain's flow budgets per (context, peer), kept in the agent's guard state (never a plugin's): reads them.",
			New: newView(serveFlowBudget)},
		{Kind: "receipt_manager", Dependencies: []string{"flow_budget_manager"},
			Doc: "The guard chain's receipt chains per (context, peer): lists the receipts retained on each side.",
			New: newView(serveReceipts)},
		{Kind: "threshold_signing", Dependencies: []string{"crypto"},
			Doc: "The agent's threshold signing state per group (t of n, signer index, epoch, group key), read from its crypto plugin's held keys.",
			New: newView(serveThreshold)},
		{Kind: "sync_service", Dependencies: []string{"journal", "network"},
			Doc: "The anti-entropy sync service of the agent's sync block: its peers and counters.",
			New: newView(serveSync)},
	}
	for i := range kinds {
		kinds[i].Ops = ops[kinds[i].Kind]
	}
	return kinds
}

// view is a catalogue service: healthy from Start to Stop, answering its
// operations with serve.
type view struct {
	lifecycle.Tracker
	agent Agent
	serve func(ctx context.Context, a Agent, call *effects.Call) (effects.Value, error)
}

func newView(serve func(context.Context, Agent, *effects.Call) (effects.Value, error)) func(ServiceEnv) (HostedService, error) {
	return func(env ServiceEnv) (HostedService, error) {
		return &view{agent: env.Agent, serve: serve}, nil
	}
}

func (v *view) Name() string           { return "" } // named by its block (hostedService)
func (v *view) Dependencies() []string { return nil }

func (v *view) Start(context.Context) error {
	v.Set(lifecycle.Healthy, "")
	return nil
}

func (v *view) Stop(context.Context) error {
	v.Set(lifecycle.Stopped, "")
	return nil
}

func (v *view) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if h := v.Health(); !h.Operational() {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnavailable, Op: call.Op, Message: "the service is " + h.String()}
	}
	return v.serve(ctx, v.agent, call)
}

// contextPeer reads the context and peer arguments.
func contextPeer(call *effects.Call) (effects.ContextID, effects.AuthorityID, error) {
	cs, _ := call.Arg("context").AsString()
	ps, _ := call.Arg("peer").AsString()
	c, err := effects.ParseContextID(cs)
	if err != nil {
		return c, effects.AuthorityID{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op, Message: "context: " + err.Error()}
	}
	p, err := effects.ParseAuthorityID(ps)
	if err != nil {
		return c, p, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op, Message: "peer: " + err.Error()}
	}
	return c, p, nil
}

func serveFlowBudget(ctx context.Context, a Agent, call *effects.Call) (effects.Value, error) {
	c, p, err := contextPeer(call)
	if err != nil {
		return effects.Value{}, err
	}
	b, charged, err := a.Router().FlowBudgets().Get(ctx, guard.BudgetKey{Context: c, Peer: p})
	if err != nil {
		return effects.Value{}, err
	}
	pressure := int64(0)
	if b.Limit > 0 {
		pressure = int64(min(100, b.Spent*100/b.Limit))
	}
	return effects.Map(map[string]effects.Value{
		"limit": effects.Uint(b.Limit), "spent": effects.Uint(b.Spent), "epoch": effects.Uint(b.Epoch),
		"headroom": effects.Uint(b.Headroom()), "pressure": effects.Int(pressure), "charged": effects.Bool(charged),
	}), nil
}

func serveReceipts(ctx context.Context, a Agent, call *effects.Call) (effects.Value, error) {
	c, p, err := contextPeer(call)
	if err != nil {
		return effects.Value{}, err
	}
	me := a.AuthorityID()
	var receipts []guard.Receipt
	switch dir, _ := call.Arg("direction").AsString(); dir {
	case "", "issued":
		receipts, err = a.Router().Receipts().Issued(ctx, guard.ChainKey{Context: c, Src: me, Dst: p})
	case "accepted":
		receipts, err = a.Router().Receipts().Accepted(ctx, guard.ChainKey{Context: c, Src: p, Dst: me})
	default:
		return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op,
			Message: fmt.Sprintf("direction %q: want \"issued\" or \"accepted\"", dir)}
	}
	if err != nil {
		return effects.Value{}, err
	}
	out := make([]effects.Value, len(receipts))
	for i, r := range receipts {
		h := r.Hash()
		out[i] = effects.Map(map[string]effects.Value{
			"nonce": effects.Uint(r.Nonce), "epoch": effects.Uint(r.Epoch), "cost": effects.Uint(r.Cost),
			"prev": effects.Bytes(r.Prev[:]), "hash": effects.Bytes(h[:]),
		})
	}
	return effects.List(out...), nil
}

func serveThreshold(ctx context.Context, a Agent, call *effects.Call) (effects.Value, error) {
	args := map[string]effects.Value{}
	if g, ok := call.Arg("group_public").AsBytes(); ok {
		args["group_public"] = effects.Bytes(g)
	}
	key, err := a.Invoke(ctx, effects.CryptoFrostKeyFind, effects.Map(args))
	if err != nil || key.IsNull() {
		return key, err
	}
	fields := map[string]effects.Value{}
	for _, f := range key.Fields() {
		if slices.Contains([]string{"key", "state", "threshold", "participants", "identifier", "epoch", "group_public"}, f.Key) {
			fields[f.Key] = f.Value
		}
	}
	t, _ := fields["threshold"].AsInt()
	fields["scheme"] = effects.String("frost-ed25519")
	if t == 1 {
		fields["scheme"] = effects.String("ed25519")
	}
	return effects.Map(fields), nil
}

func serveSync(_ context.Context, a Agent, _ *effects.Call) (effects.Value, error) {
	var peers []effects.Value
	var st struct{ rounds, failed, sent, received, merged, refused, malformed int64 }
	if s := a.Sync(); s != nil {
		for _, p := range s.Config().Peers {
			peers = append(peers, effects.String(p.Authority.String()))
		}
		x := s.Stats()
		st.rounds, st.failed, st.sent, st.received = x.Rounds, x.RoundsFailed, x.FactsSent, x.FactsReceived
		st.merged, st.refused, st.malformed = x.Merged, x.Refused, x.Malformed
	}
	return effects.Map(map[string]effects.Value{
		"peers": effects.List(peers...), "rounds": effects.Int(st.rounds), "rounds_failed": effects.Int(st.failed),
		"facts_sent": effects.Int(st.sent), "facts_received": effects.Int(st.received), "merged": effects.Int(st.merged),
		"refused": effects.Int(st.refused), "malformed": effects.Int(st.malformed),
	}), nil
}
