package builtin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/host/tasks"
	"github.com/aurahost/aura-host/internal/descriptor"
)

// MaintenanceKind is the builtin service kind of the runtime's periodic
// maintenance.
const MaintenanceKind = "maintenance"

// The maintenance jobs, each a task of the service's group.
const (
	// JobInvitations records the expiry of pending invitations past it
	// (invitation.expire).
	JobInvitations = "invitations"
	// JobEpochs moves the configured flow budgets to their next epoch
	// (Agent.RotateEpoch), the only replenishment of a budget.
	JobEpochs = "epochs"
	// JobRendezvous publishes the agent's own signed descriptor
	// (transport.local_descriptor, signed by the device key, then
	// rendezvous.publish), again once its expiry is near.
	JobRendezvous = "rendezvous"
	// JobCeremonies advances the open guardian ceremonies
	// (ceremony.advance), so that one past its expiry rolls its key
	// rotation back without waiting for its account to ask.
	JobCeremonies = "ceremonies"
)

// The defaults of the maintenance settings, in milliseconds.
const (
	DefaultInvitationIntervalMS = 60_000
	DefaultRendezvousCheckMS    = 60_000
	DefaultDescriptorValidityMS = 3_600_000 // the seed's descriptor validity: 1 h
	DefaultDescriptorRefreshMS  = 300_000   // refreshed 5 min before it expires
	DefaultCeremonyIntervalMS   = 60_000
)

func maintenanceKind() ServiceKind {
	ms := func(name string, def int64, doc string) effects.ConfigField {
		return effects.ConfigField{Name: name, Kind: effects.KindInt, Default: effects.Int(def), Doc: doc}
	}
	return ServiceKind{
		Kind: MaintenanceKind,
		Doc: "The runtime's periodic maintenance, on the agent's clock (virtual in simulation): expires pending " +
			"invitations (invitation.expire), moves the listed flow budgets to their next epoch, and publishes the " +
			"agent's own signed descriptor to rendezvous, again 5 minutes before it expires (validity 1 h). Each job " +
			"runs at start, then every interval; a failing job marks the service — and so the agent in status — " +
			"degraded, naming the job and its error, until its next success. An interval of 0 turns a job off, " +
			"and a job whose operations no plugin of the deployment serves does not run (Maintenance.Skipped). " +
			"It also advances open guardian ceremonies, so that an expired one rolls its key rotation back.",
		Config: []effects.ConfigField{
			ms("invitation_interval_ms", DefaultInvitationIntervalMS, "how often pending invitations past their expiry are expired; 0: never"),
			ms("epoch_interval_ms", 0, "how often the budgets of epoch_budgets move to their next epoch; 0: never"),
			{Name: "epoch_budgets", Kind: effects.KindAny, Default: effects.Null(),
				Doc: "the flow budgets to rotate: a list of \"context-…/authority-…\" (a context and the peer sent to)"},
			ms("rendezvous_check_ms", DefaultRendezvousCheckMS, "how often the agent's published descriptor is checked; 0: never published"),
			ms("descriptor_validity_ms", DefaultDescriptorValidityMS, "how long a published descriptor holds"),
			ms("descriptor_refresh_ms", DefaultDescriptorRefreshMS, "republish this long before the descriptor expires"),
			ms("ceremony_interval_ms", DefaultCeremonyIntervalMS, "how often open guardian ceremonies are advanced (completed or rolled back when due); 0: never"),
		},
		Dependencies: []string{"invitation", "rendezvous", "network", "ceremony"},
		New:          newMaintenance,
	}
}

func newMaintenance(env ServiceEnv) (HostedService, error) {
	a := env.Agent
	num := func(name string) int64 { v, _ := env.Settings.Get(name); n, _ := v.AsInt(); return n }
	for _, name := range []string{"invitation_interval_ms", "epoch_interval_ms", "rendezvous_check_ms", "ceremony_interval_ms"} {
		if num(name) < 0 {
			return nil, fmt.Errorf("%s is %d: an interval is 0 (off) or more milliseconds", name, num(name))
		}
	}
	validity, refresh := num("descriptor_validity_ms"), num("descriptor_refresh_ms")
	if validity <= 0 || validity > descriptor.MaxValidityMS || refresh < 0 || refresh >= validity {
		return nil, fmt.Errorf("descriptor_validity_ms %d and descriptor_refresh_ms %d: the validity is 1 ms to %d ms and the refresh shorter than it",
			validity, refresh, int64(descriptor.MaxValidityMS))
	}
	v, _ := env.Settings.Get("epoch_budgets")
	budgets, err := parseBudgets(v)
	if err != nil {
		return nil, fmt.Errorf("epoch_budgets: %w", err)
	}
	var jobs []maintenanceJob
	if n := num("invitation_interval_ms"); n > 0 {
		jobs = append(jobs, maintenanceJob{name: JobInvitations, every: time.Duration(n) * time.Millisecond, needs: []effects.OpID{effects.InvitationExpire}, run: func(ctx context.Context) error {
			_, err := a.Effects().Invitations.Expire(ctx)
			return err
		}})
	}
	if n := num("epoch_interval_ms"); n > 0 && len(budgets) > 0 {
		jobs = append(jobs, maintenanceJob{name: JobEpochs, every: time.Duration(n) * time.Millisecond, run: func(ctx context.Context) error {
			var errs []error
			for _, k := range budgets {
				if err := a.RotateEpoch(ctx, k.Context, k.Peer); err != nil {
					errs = append(errs, fmt.Errorf("budget %s: %w", k, err))
				}
			}
			return errors.Join(errs...)
		}})
	}
	if n := num("rendezvous_check_ms"); n > 0 {
		p := &publisher{agent: a, validityMS: validity, refreshMS: refresh}
		jobs = append(jobs, maintenanceJob{name: JobRendezvous, every: time.Duration(n) * time.Millisecond, run: p.run,
			needs: []effects.OpID{effects.TransportLocalDescriptor, effects.RendezvousPublish}})
	}
	if n := num("ceremony_interval_ms"); n > 0 {
		jobs = append(jobs, maintenanceJob{name: JobCeremonies, every: time.Duration(n) * time.Millisecond, run: func(ctx context.Context) error { return advanceCeremonies(ctx, a) },
			needs: []effects.OpID{effects.CeremonyList, effects.CeremonyAdvance}})
	}
	m := newMaintenanceService(env.Name, func() *tasks.Supervisor { return a.Tasks() }, jobs)
	m.served = func(op effects.OpID) bool { return a.Host().Registry().Has(op) }
	return m, nil
}

// advanceCeremonies advances every open ceremony of the agent's.
func advanceCeremonies(ctx context.Context, a Agent) error {
	ceremonies := a.Effects().Ceremonies
	list, err := ceremonies.List(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range list {
		if !c.Settled {
			if _, err := ceremonies.Advance(ctx, c.ID); err != nil {
				errs = append(errs, fmt.Errorf("ceremony %s: %w", c.ID, err))
			}
		}
	}
	return errors.Join(errs...)
}

// parseBudgets reads epoch_budgets: null, or a list of "context/peer".
func parseBudgets(v effects.Value) ([]guard.BudgetKey, error) {
	if v.IsNull() {
		return nil, nil
	}
	if v.Kind() != effects.KindList {
		return nil, fmt.Errorf("a list of \"context-…/authority-…\" strings, got %s", v.Kind())
	}
	var out []guard.BudgetKey
	for i, item := range v.Items() {
		s, _ := item.AsString()
		c, p, ok := strings.Cut(s, "/")
		ctxID, err1 := effects.ParseContextID(c)
		peer, err2 := effects.ParseAuthorityID(p)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("item %d is %v: want \"context-…/authority-…\" (the context, a slash, the peer)", i, item)
		}
		out = append(out, guard.BudgetKey{Context: ctxID, Peer: peer})
	}
	return out, nil
}

// publisher keeps the agent's own descriptor published.
type publisher struct {
	agent                 Agent
	validityMS, refreshMS int64
	expiresMS, seq        int64 // of the last descriptor published
}

// run publishes a descriptor when none was, or when the last one is
// within refreshMS of its expiry. Jobs of one service run one at a time
// per job, so p needs no lock.
func (p *publisher) run(ctx context.Context) error {
	now, err := clockNow(ctx, p.agent)
	if err != nil {
		return fmt.Errorf("read the clock: %w", err)
	}
	nowMS := now.UnixMilli()
	if p.expiresMS != 0 && nowMS < p.expiresMS-p.refreshMS {
		return nil
	}
	local, err := p.agent.Invoke(ctx, effects.TransportLocalDescriptor, effects.Null())
	if err != nil {
		return fmt.Errorf("read the transport's local descriptor: %w", err)
	}
	d := descriptor.Descriptor{IssuedMS: nowMS, ExpiresMS: nowMS + p.validityMS, Seq: max(p.seq+1, nowMS)}
	if k, ok := local.Get("device_key"); ok {
		d.DeviceKey, _ = k.AsBytes()
	}
	for _, field := range []struct {
		name string
		to   *[]string
	}{{"addresses", &d.Addresses}, {"relays", &d.Relays}} {
		if l, ok := local.Get(field.name); ok {
			for _, it := range l.Items() {
				s, _ := it.AsString()
				*field.to = append(*field.to, s)
			}
		}
	}
	signed, err := p.agent.SignDescriptor(ctx, d)
	if err != nil {
		return fmt.Errorf("sign the descriptor: %w", err)
	}
	if _, err := p.agent.Effects().Rendezvous.Publish(ctx, p.agent.AuthorityID().String(), signed.Value(), time.Duration(p.validityMS)*time.Millisecond); err != nil {
		return fmt.Errorf("publish the descriptor: %w", err)
	}
	p.expiresMS, p.seq = d.ExpiresMS, d.Seq
	return nil
}

// maintenanceJob is one periodic job.
type maintenanceJob struct {
	name  string
	every time.Duration
	run   func(ctx context.Context) error
	needs []effects.OpID // operations it calls: without them, it does not run
}

// Maintenance is the maintenance service: each job a task of its group
// under the agent's task supervisor, run at start and then every
// interval on the supervisor's clock. Its health is degraded while any
// job's last run failed, the reason naming each such job and its error.
type Maintenance struct {
	lifecycle.Tracker
	name string
	sup  func() *tasks.Supervisor
	jobs []maintenanceJob

	// served reports whether the deployment serves an operation (nil: all).
	served func(effects.OpID) bool

	mu      sync.Mutex
	skipped []string // jobs not run, each with why
	group   *tasks.Group
	failing map[string]string // job → its last error
	runs    map[string]int    // job → runs completed
	changed chan struct{}     // closed and replaced after every run
}

func newMaintenanceService(name string, sup func() *tasks.Supervisor, jobs []maintenanceJob) *Maintenance {
	return &Maintenance{name: name, sup: sup, jobs: jobs, failing: map[string]string{}, runs: map[string]int{}, changed: make(chan struct{})}
}

// Name is the service's name.
func (m *Maintenance) Name() string { return m.name }

// Dependencies are none of its own; the block's depends_on adds them.
func (m *Maintenance) Dependencies() []string { return nil }

// Start starts every job.
func (m *Maintenance) Start(context.Context) error {
	m.Set(lifecycle.Healthy, "")
	sup := m.sup()
	g := sup.Group("service-" + m.name)
	m.mu.Lock()
	m.group = g
	m.mu.Unlock()
	for _, j := range m.jobs {
		if missing := m.missing(j); missing != "" {
			m.mu.Lock()
			m.skipped = append(m.skipped, j.name+": no plugin serves "+missing)
			m.mu.Unlock()
			continue
		}
		if err := g.Go(j.name, func(ctx context.Context) error { return m.loop(ctx, sup.Clock(), j) }); err != nil {
			g.Cancel()
			m.Set(lifecycle.Unhealthy, err.Error())
			return err
		}
	}
	return nil
}

func (m *Maintenance) missing(j maintenanceJob) string {
	if m.served == nil {
		return ""
	}
	for _, op := range j.needs {
		if !m.served(op) {
			return string(op)
		}
	}
	return ""
}

// Skipped names the jobs that do not run because the deployment serves
// none of their operations, each with the operation missing.
func (m *Maintenance) Skipped() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.skipped)
}

// Stop cancels the jobs and waits for them within ctx.
func (m *Maintenance) Stop(ctx context.Context) error {
	m.Set(lifecycle.Stopping, "")
	m.mu.Lock()
	g := m.group
	m.mu.Unlock()
	var err error
	if g != nil {
		err = g.Stop(ctx)
	}
	m.Set(lifecycle.Stopped, "")
	return err
}

// Invoke serves no operation.
func (m *Maintenance) Invoke(_ context.Context, call *effects.Call) (effects.Value, error) {
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op}
}

func (m *Maintenance) loop(ctx context.Context, clock tasks.Clock, j maintenanceJob) error {
	for {
		err := j.run(ctx)
		if ctx.Err() != nil {
			return nil // stopped: a run cut short is no failure
		}
		m.report(j.name, err)
		if err := clock.Sleep(ctx, j.every); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			err = fmt.Errorf("clock: %w", err)
			m.report(j.name, err)
			return err
		}
	}
}

// report records a run's outcome and sets the health from every job's.
func (m *Maintenance) report(job string, err error) {
	m.mu.Lock()
	if err != nil {
		m.failing[job] = err.Error()
	} else {
		delete(m.failing, job)
	}
	m.runs[job]++
	reasons := make([]string, 0, len(m.failing))
	for name, why := range m.failing {
		reasons = append(reasons, "job "+name+": "+why)
	}
	slices.Sort(reasons)
	// The health is set under the lock, before the run is announced: two
	// jobs reporting at once must not leave the older one's verdict, and
	// whoever waited for this run (WaitRuns) must see its health.
	if len(reasons) > 0 {
		m.Degrade(strings.Join(reasons, "; "))
	} else {
		m.Recover()
	}
	close(m.changed)
	m.changed = make(chan struct{})
	m.mu.Unlock()
}

// Runs is how many runs of job have completed.
func (m *Maintenance) Runs(job string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runs[job]
}

// WaitRuns blocks until job has completed at least n runs, or ctx ends.
func (m *Maintenance) WaitRuns(ctx context.Context, job string, n int) error {
	for {
		m.mu.Lock()
		done, ch := m.runs[job] >= n, m.changed
		m.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("maintenance job %s: %d runs of %d: %w", job, m.Runs(job), n, ctx.Err())
		}
	}
}
