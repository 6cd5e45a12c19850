package metrics_test

import (
	"encoding/json"
	"net"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/metrics"
)

// dashboard is the Grafana dashboard examples/ ships for these metrics.
const dashboard = "../../examples/metrics/grafana-dashboard.json"

// metricName finds the metric names a PromQL query uses: the families
// the host exports and the Go runtime's and the process's.
var metricName = regexp.MustCompile(`\b(?:aura_host|go|process)_[a-zA-Z0-9_:]*`)

// TestDashboardQueriesExportedMetrics: the dashboard is JSON, every metric
// its queries name is one the host exports (a histogram's _bucket, _sum
// and _count series count as its family), and every family is charted.
func TestDashboardQueriesExportedMetrics(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(dashboard)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s is not JSON: %v", dashboard, err)
	}
	var queries []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || k == "query" || k == "definition") {
					queries = append(queries, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if len(queries) == 0 {
		t.Fatalf("%s has no queries", dashboard)
	}

	exported := map[string]string{} // series name → family
	for _, f := range metrics.Families() {
		exported[f.Name] = f.Name
		if f.Type == "histogram" {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				exported[f.Name+s] = f.Name
			}
		}
	}
	fams, err := metrics.New().Registry().Gather() // the go_* and process_* families
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if _, ok := exported[f.GetName()]; !ok {
			exported[f.GetName()] = f.GetName()
		}
	}
	charted := map[string]bool{}
	for _, q := range queries {
		for _, name := range metricName.FindAllString(q, -1) {
			fam, ok := exported[name]
			if !ok {
				t.Errorf("the dashboard queries %s, which the host does not export: %q", name, q)
			}
			charted[fam] = true
		}
	}
	for _, f := range metrics.Families() {
		if !charted[f.Name] {
			t.Errorf("the dashboard charts no %s", f.Name)
		}
	}
	if !slices.ContainsFunc(queries, func(q string) bool { return metricName.MatchString(q) }) {
		t.Error("no query names a metric")
	}
}

// TestExampleDeploymentServesMetricsOnLoopback: the example deployment
// beside the dashboard loads, and its endpoint is on loopback, as
// docs/SECURITY.md asks (it has no authentication).
func TestExampleDeploymentServesMetricsOnLoopback(t *testing.T) {
	t.Parallel()
	dep, diags := config.Load("../../examples/metrics/deployment.hcl", config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if dep.Telemetry == nil {
		t.Fatal("the example has no telemetry block")
	}
	host, _, err := net.SplitHostPort(dep.Telemetry.Prometheus)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		t.Errorf("prometheus = %q, want a loopback address", dep.Telemetry.Prometheus)
	}
}
