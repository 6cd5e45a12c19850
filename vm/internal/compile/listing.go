package compile

import (
	"fmt"
	"strings"
)

// Listing renders a role's compiled code, one instruction per line.
func (rc *RoleCode) Listing() string {
	var b strings.Builder
	for pc := range rc.Code {
		fmt.Fprintf(&b, "%4d  %s\n", pc, &rc.Code[pc])
	}
	return b.String()
}
