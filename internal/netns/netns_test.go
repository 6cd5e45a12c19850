package netns_test

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/internal/netns"
)

// TestLinksRouteOnlyWhatTheyJoin builds a line a — r — b and checks that a
// reaches r, that nothing reaches a from b (no route through r), that a
// link set down cuts it and set up restores it, and that a switch joins
// its hosts.
func TestLinksRouteOnlyWhatTheyJoin(t *testing.T) {
	lab := netns.New(t)
	a, r, b := lab.Host("a"), lab.Host("r"), lab.Host("b")
	ar := lab.Link(a, r)
	rb := lab.Link(r, b)
	ping := func(from *netns.Host, addr string) bool {
		return from.Command("ping", "-c", "1", "-W", "1", addr).Run() == nil
	}
	if !ping(a, ar.AddrB) || !ping(b, rb.AddrA) {
		t.Fatal("a host cannot reach its link's other end")
	}
	if ping(a, rb.AddrB) {
		t.Fatal("a reached b through r: hosts must not route")
	}
	if err := ar.Down(); err != nil {
		t.Fatal(err)
	}
	if ping(a, ar.AddrB) {
		t.Fatal("a reached r over a link that is down")
	}
	if err := ar.Up(); err != nil {
		t.Fatal(err)
	}
	if !ping(a, ar.AddrB) {
		t.Fatal("the link did not come back up")
	}
	c, d := lab.Host("c"), lab.Host("d")
	sw := lab.Switch(c, d)
	if !ping(c, sw.Addr[d]) {
		t.Fatal("c cannot reach d on the switch")
	}
	if err := sw.Port[d].Down(); err != nil {
		t.Fatal(err)
	}
	if ping(c, sw.Addr[d]) {
		t.Fatal("c reached d whose port is down")
	}
	out, err := a.Command("ip", "-o", "addr").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "10.77.2.") {
		t.Fatalf("a has an address of the r-b link:\n%s", out)
	}
}
