package view

import (
	"fmt"
	"strconv"
	"strings"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/vm/trace"
)

// Limits on what one row carries into the page, so that a hostile record
// cannot make a label or a detail line of any size.
const (
	maxLabel  = 120 // runes of a label, a lifeline name, a role
	maxDetail = 400 // runes of a detail value
	maxItems  = 8   // list items or map fields shown
	maxDepth  = 3   // nesting shown
	fpBytes   = 4   // a byte value's fingerprint (BLAKE3 prefix), in bytes
	maxString = 64  // runes of a string inside a value
	hiddenTag = "(secret)"
)

// Summary renders a value for the page, on one line: secrets hidden as
// `protocol run` hides them (session.Redact: the fields private, secret
// and nonces are "(secret)"), and no byte value's contents — bytes are
// their length and a fingerprint (the first bytes of their BLAKE3 hash),
// enough to see that a message carries what another received, nothing of
// a key. Long strings, lists and maps are cut.
func Summary(v effects.Value) string {
	var b strings.Builder
	writeSummary(&b, session.Redact(v), 0)
	return clip(b.String(), maxDetail)
}

func writeSummary(b *strings.Builder, v effects.Value, depth int) {
	switch v.Kind() {
	case effects.KindBytes:
		raw, _ := v.AsBytes()
		sum := blake3.Sum256(raw)
		fmt.Fprintf(b, "<%d bytes #%x>", len(raw), sum[:fpBytes])
	case effects.KindString:
		s, _ := v.AsString()
		b.WriteString(strconv.Quote(clip(s, maxString)))
	case effects.KindList:
		items := v.Items()
		if depth >= maxDepth {
			fmt.Fprintf(b, "[%d items]", len(items))
			return
		}
		b.WriteByte('[')
		for i, it := range items {
			if i == maxItems {
				fmt.Fprintf(b, ", … %d more", len(items)-maxItems)
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			writeSummary(b, it, depth+1)
		}
		b.WriteByte(']')
	case effects.KindMap:
		fields := v.Fields()
		if depth >= maxDepth {
			fmt.Fprintf(b, "{%d fields}", len(fields))
			return
		}
		b.WriteByte('{')
		for i, f := range fields {
			if i == maxItems {
				fmt.Fprintf(b, ", … %d more", len(fields)-maxItems)
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(clip(f.Key, maxString) + ": ")
			writeSummary(b, f.Value, depth+1)
		}
		b.WriteByte('}')
	default: // null, bool, int, uint
		b.WriteString(v.String())
	}
}

// entryDetail is what the page lists for an entry when it is the current
// step.
func entryDetail(e *trace.Entry) []Field {
	d := []Field{{"entry", fmt.Sprintf("%s, machine step %d, effect %d", e.Kind, e.OrderingKey, e.EffectID)}}
	if e.Interface != "" {
		d = append(d, Field{"interface", clip(e.Interface, maxLabel)})
	}
	if e.Handler != "" {
		d = append(d, Field{"handler", clip(e.Handler, maxLabel)})
	}
	in, out := "inputs", "outputs"
	switch e.Kind {
	case trace.KindSend:
		in, out = "payload", "sequence"
	case trace.KindRecv, trace.KindDeliver:
		in, out = "sequence", "payload"
	case trace.KindInvoke:
		in, out = "arguments", "result"
	}
	if !e.Inputs.IsNull() {
		d = append(d, Field{in, Summary(e.Inputs)})
	}
	if !e.Outputs.IsNull() {
		d = append(d, Field{out, Summary(e.Outputs)})
	}
	if e.Error != nil {
		d = append(d, Field{"error", clip(string(e.Error.Code)+": "+e.Error.Message, maxDetail)})
	}
	return d
}

// effectLabel is the diagram's short label for an effect entry.
func effectLabel(e *trace.Entry) string {
	op := clip(e.Operation, maxLabel)
	switch e.Kind {
	case trace.KindInvoke:
		return op
	case trace.KindNow:
		if ms, ok := e.Outputs.AsInt(); ok {
			return fmt.Sprintf("now = %d ms", ms)
		}
		return "now"
	case trace.KindRandom:
		return fmt.Sprintf("random %s", sizeText(payloadSize(e.Outputs)))
	case trace.KindDecide:
		if s, ok := e.Outputs.AsString(); ok {
			return "decide: " + clip(s, maxLabel)
		}
		return "decide"
	}
	if op == "" {
		return string(e.Kind)
	}
	return string(e.Kind) + " " + op
}

// payloadSize is a payload's size in bytes: a byte string's or string's
// length, another value's canonical encoding.
func payloadSize(v effects.Value) int {
	switch v.Kind() {
	case effects.KindBytes, effects.KindString:
		return v.Len()
	case effects.KindNull:
		return 0
	}
	return len(v.Canonical())
}

func sizeText(n int) string { return fmt.Sprintf("%d B", n) }

// clip cuts s to n runes, marking the cut with an ellipsis.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
