package sim

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// freeLoopbackAddr finds a free loopback TCP port for an agent's transport,
// which listens on it moments later, once every agent knows every other's
// address. It picks at random below the kernel's ephemeral port range,
// where the kernel never hands out ports by itself: a port the kernel chose
// for "127.0.0.1:0" and that was released here goes to the next process
// that asks for any port, and with many tests running at once one did take
// it before the transport listened. Below the range, only another explicit
// bind of the same random port can collide.
func freeLoopbackAddr() (string, error) {
	low, high := reservablePorts()
	for range 64 {
		port := low
		if high > low {
			port += rand.IntN(high - low)
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // taken: try another
		}
		addr := ln.Addr().String()
		if err := ln.Close(); err != nil {
			return "", err
		}
		return addr, nil
	}
	return "", fmt.Errorf("no free loopback port in %d..%d after 64 tries", low, high-1)
}

// reservablePorts is the range [low, high) freeLoopbackAddr picks from:
// from 20000 to the start of the ephemeral range, or port 0 (the kernel's
// choice) where that range is unknown or leaves no room.
func reservablePorts() (low, high int) {
	const floor = 20000
	raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, 0
	}
	fields := strings.Fields(string(raw))
	if len(fields) != 2 {
		return 0, 0
	}
	start, err := strconv.Atoi(fields[0])
	if err != nil || start <= floor+1000 {
		return 0, 0
	}
	return floor, start
}
