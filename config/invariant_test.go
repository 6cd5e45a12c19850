package config

import (
	"testing"
	"time"
)

func TestInvariantBlocks(t *testing.T) {
	d := parseClean(t, `
deployment "demo" {}
agent "a" {}
agent "b" {}
run "recovery" {
  protocol = "p.hcl"
  roles    = { Account = "a", "Guardian[0]" = "b" }
}
invariant "two_approvals" {
  builtin   = "threshold_grant"
  run       = "recovery"
  role      = "Account"
  approve   = "Approve"
  grant     = "Granted"
  threshold = 2
}
invariant "ends" {
  builtin = "liveness"
  within  = "30s"
}
invariant "receipts" {
  builtin = "receipt_once"
}
`)
	if len(d.Invariants) != 3 {
		t.Fatalf("%d invariants", len(d.Invariants))
	}
	g := d.Invariants[0]
	if g.Name != "two_approvals" || g.Builtin != InvariantThresholdGrant || g.Run != "recovery" || g.Role != "Account" ||
		g.Approve != "Approve" || g.Grant != "Granted" || g.Threshold != 2 || pos(&g.RunRange) != "11:15" {
		t.Errorf("threshold_grant: %+v at %s", g, pos(&g.RunRange))
	}
	if l := d.Invariants[1]; l.Builtin != InvariantLiveness || l.Within != 30*time.Second {
		t.Errorf("liveness: %+v", l)
	}
	if r := d.Invariant("receipts"); r == nil || r.Builtin != InvariantReceiptOnce {
		t.Errorf("receipt_once: %+v", r)
	}
}
