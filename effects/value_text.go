package effects

import (
	"encoding/hex"
	"fmt"
	"io"
)

// WriteAs prints a result for scripts (asJSON: its JSON value form on one
// line) or for people (WriteText).
func (v Value) WriteAs(w io.Writer, asJSON bool) error {
	if !asJSON {
		v.WriteText(w)
		return nil
	}
	_, err := fmt.Fprintf(w, "%s\n", v.appendJSON(nil))
	return err
}

// WriteText prints a result for people, as `aura-host invoke` does: bytes
// as bare hex, strings as they are, a map as one "name: value" line per
// field; anything else in the String form. Unlike String, nothing is
// quoted or prefixed, so a printed hash or key can be pasted as it is.
func (v Value) WriteText(w io.Writer) {
	if v.kind == KindMap {
		for _, f := range v.m {
			fmt.Fprintf(w, "%s: %s\n", f.Key, f.Value.bare())
		}
		return
	}
	fmt.Fprintln(w, v.bare())
}

// bare is a value's text without String's quotes and 0x prefix.
func (v Value) bare() string {
	switch v.kind {
	case KindBytes:
		return hex.EncodeToString([]byte(v.str))
	case KindString:
		return v.str
	}
	return v.String()
}
