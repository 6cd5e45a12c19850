package metrics

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	signalRE = regexp.MustCompile(`killed by signal (\d+)`)
	statusRE = regexp.MustCompile(`exit(?:ed with)? status (\d+)`)
)

// ExitReason reduces a plugin's last exit, as its status says it
// (PluginStatus.LastExit: free text that may quote an error), to the
// bounded form the reason label takes: "killed by signal N" (N 1–64),
// "exited with status N" (N 0–255), "call stream broke", "unresponsive",
// "restart failed", "lazy start failed", "exited", or "other".
func ExitReason(lastExit string) string {
	switch {
	case strings.HasPrefix(lastExit, "restart failed"):
		return "restart failed"
	case strings.HasPrefix(lastExit, "lazy start failed"):
		return "lazy start failed"
	case strings.HasPrefix(lastExit, "unresponsive"):
		return "unresponsive"
	}
	if m := signalRE.FindStringSubmatch(lastExit); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n >= 1 && n <= 64 {
			return fmt.Sprintf("killed by signal %d", n)
		}
		return otherLabel
	}
	if m := statusRE.FindStringSubmatch(lastExit); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n >= 0 && n <= 255 {
			return fmt.Sprintf("exited with status %d", n)
		}
		return otherLabel
	}
	switch {
	case strings.Contains(lastExit, "call stream"):
		return "call stream broke"
	case lastExit == "process exited" || lastExit == "exited":
		return "exited"
	}
	return otherLabel
}
