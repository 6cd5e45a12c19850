package sim

import (
	"net"
	"strconv"
	"testing"
)

// Ports for agents' transports come from below the kernel's ephemeral
// range, so that no port the kernel hands out for ":0" elsewhere can take
// one before its transport listens.
func TestFreeLoopbackAddrsAvoidTheEphemeralRange(t *testing.T) {
	low, high := reservablePorts()
	if high == 0 {
		t.Skip("no ephemeral port range to avoid on this system")
	}
	for range 20 {
		addr, err := freeLoopbackAddr()
		if err != nil {
			t.Fatal(err)
		}
		host, portText, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		port, _ := strconv.Atoi(portText)
		if host != "127.0.0.1" || port < low || port >= high {
			t.Fatalf("address %s: want 127.0.0.1 and a port in %d..%d", addr, low, high-1)
		}
	}
}
