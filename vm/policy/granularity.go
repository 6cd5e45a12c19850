package policy

import "fmt"

// Granularity says how much of a run a trace captures.
type Granularity string

// The capture granularities.
const (
	// Full records every effect request and outcome with its values: the
	// trace replays.
	Full Granularity = "full"
	// TopologyOnly records who sent which label to whom and the branch
	// decisions, without payloads, invoke or host values.
	TopologyOnly Granularity = "topology_only"
	// Disabled records nothing.
	Disabled Granularity = "disabled"
)

// ParseGranularity validates a granularity name.
func ParseGranularity(s string) (Granularity, error) {
	switch g := Granularity(s); g {
	case Full, TopologyOnly, Disabled:
		return g, nil
	}
	return "", fmt.Errorf("trace granularity %q is not full, topology_only or disabled", s)
}
