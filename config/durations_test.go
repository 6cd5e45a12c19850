package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDurations(t *testing.T) {
	tests := []struct {
		attr, value string
		want        time.Duration
		diag        string // "" when valid, else the summary
		detail      string
	}{
		{"interval", `"250ms"`, 250 * time.Millisecond, "", ""},
		{"interval", `"1m30s"`, 90 * time.Second, "", ""},
		{"interval", `"1.5s"`, 1500 * time.Millisecond, "", ""},
		{"grace", `"0s"`, 0, "", ""},
		{"grace", `"0"`, 0, "", ""}, // Go's own spelling of zero
		{"interval", `"0s"`, 0, "Invalid duration", "interval must be more than zero"},
		{"interval", `"-1s"`, 0, "Invalid duration", "cannot be negative"},
		{"grace", `"-1s"`, 0, "Invalid duration", "cannot be negative"},
		{"interval", `5`, 0, "Missing duration unit", `interval = "5s" for seconds, or "5ms" for milliseconds`},
		{"interval", `"5"`, 0, "Missing duration unit", `5 has no unit`},
		{"interval", `" 5 "`, 0, "Missing duration unit", `interval = "5s"`},
		{"interval", `1e3`, 0, "Missing duration unit", `"1000ms" for milliseconds`},
		{"interval", `"2d"`, 0, "Invalid duration", `There is no day unit: write "48h"`},
		{"interval", `"1 m"`, 0, "Invalid duration", `Remove the spaces: "1m"`},
		{"interval", `"5 secs"`, 0, "Invalid duration", `"5 secs" is not a duration.`},
		{"interval", `"5secs"`, 0, "Invalid duration", `Write the unit as s or m.`},
		{"interval", `"forever"`, 0, "Invalid duration", `such as "1s", "250ms" or "1m30s"`},
		{"interval", `"9999999999h"`, 0, "Invalid duration", `is not a duration`},
		{"interval", `fast`, 0, "Unquoted string", `write, for example, interval = "1s"`},
		{"interval", `true`, 0, "Incorrect attribute value type", `interval must be a duration in quotes, not a bool`},
		{"interval", `null`, 0, "Incorrect attribute value type", `not null`},
	}
	for _, tt := range tests {
		src := "deployment \"d\" {}\nplugin \"p\" {\n  builtin = \"clock\"\n  health { " + tt.attr + " = " + tt.value + " }\n}\n"
		d, diags := Parse([]byte(src), "test.hcl", Options{})
		got := summaries(diags)
		at := fmt.Sprintf("@4:%d", len("  health { "+tt.attr+" = ")+1)
		switch {
		case tt.diag == "" && len(diags) != 0:
			t.Errorf("%s = %s: %s", tt.attr, tt.value, render(d, diags))
		case tt.diag == "":
			h := d.Plugins[0].Health
			v := h.Interval
			if tt.attr == "grace" {
				v = h.Grace
			}
			if v != tt.want {
				t.Errorf("%s = %s: %v, want %v", tt.attr, tt.value, v, tt.want)
			}
		case len(got) != 1 || got[0] != tt.diag+at || !strings.Contains(diags[0].Detail, tt.detail):
			t.Errorf("%s = %s: got %v, want %s containing %q\n%s", tt.attr, tt.value, got, tt.diag+at, tt.detail, render(d, diags))
		}
	}
}

func TestCapabilityPatterns(t *testing.T) {
	for pattern, fix := range map[string]string{
		"*":                   "",
		"invitation.*":        "",
		"crypto.ed25519_sign": "",
		"invitation*":         `Did you mean "invitation.*"?`,
		"invitation_*":        `Did you mean "invitation.*"?`,
		"Invitation.*":        `Did you mean "invitation.*"?`,
		" crypto.hash ":       `Did you mean "crypto.hash"?`,
		"crypto/hash":         `Did you mean "crypto.hash"?`,
		"recovery":            `Did you mean "recovery.*"?`,
		"crypto.*.sign":       "is not a capability pattern.",
		"*.sign":              "is not a capability pattern.",
		"**":                  "is not a capability pattern.",
		"":                    "cannot be empty",
	} {
		got := capabilityProblem(pattern)
		if fix == "" && got != "" || fix != "" && !strings.Contains(got, fix) {
			t.Errorf("capabilityProblem(%q) = %q, want %q", pattern, got, fix)
		}
	}
}
