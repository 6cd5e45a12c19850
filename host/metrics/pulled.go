package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurahost/aura-host/host/supervise"
)

// pulled is the collector of what is read from the hosts when a scrape
// asks: their plugins' status and their flow budgets.
type pulled struct{ m *Metrics }

var (
	stateDesc    = desc(PluginState)
	restartsDesc = desc(PluginRestarts)
	exitDesc     = desc(PluginLastExit)
	circuitDesc  = desc(PluginCircuitOpen)
	headroomDesc = desc(FlowBudgetHeadroom)
	watchedDesc  = desc(FlowBudgetsWatched)
)

// pluginStates are the state label's values: every state a plugin can
// be in, so that each plugin has one series per state.
var pluginStates = []supervise.State{
	supervise.StateIdle, supervise.StateStarting, supervise.StateReady, supervise.StateDegraded,
	supervise.StateRestarting, supervise.StateFailed, supervise.StateStopping, supervise.StateStopped,
}

// budgetReadTimeout bounds reading one agent's watched budgets from its
// guard store during a scrape.
const budgetReadTimeout = 2 * time.Second

func (p pulled) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{stateDesc, restartsDesc, exitDesc, circuitDesc, headroomDesc, watchedDesc} {
		ch <- d
	}
}

func (p pulled) Collect(ch chan<- prometheus.Metric) {
	for _, hm := range p.m.hostsNow() {
		for _, st := range hm.host.Plugins() {
			for _, s := range pluginStates {
				v := 0.0
				if st.State == s {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(stateDesc, prometheus.GaugeValue, v, hm.agent, st.Name, string(s))
			}
			ch <- prometheus.MustNewConstMetric(restartsDesc, prometheus.CounterValue, float64(st.RestartsTotal), hm.agent, st.Name)
			if st.LastExit != "" {
				ch <- prometheus.MustNewConstMetric(exitDesc, prometheus.GaugeValue, 1, hm.agent, st.Name, ExitReason(st.LastExit))
			}
			open := 0.0
			if st.Circuit == "open" {
				open = 1
			}
			ch <- prometheus.MustNewConstMetric(circuitDesc, prometheus.GaugeValue, open, hm.agent, st.Name)
		}
		budgets := hm.host.Router().FlowBudgets()
		if budgets == nil { // a plain host: no guard chain, no budgets
			continue
		}
		keys := hm.budgets.list()
		ctx, cancel := context.WithTimeout(context.Background(), budgetReadTimeout)
		snap, err := readBudgets(ctx, budgets, keys)
		cancel()
		if err != nil {
			ch <- prometheus.NewInvalidMetric(headroomDesc, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(headroomDesc, prometheus.GaugeValue, minHeadroom(snap, keys), hm.agent)
		ch <- prometheus.MustNewConstMetric(watchedDesc, prometheus.GaugeValue, float64(len(keys)), hm.agent)
	}
}
