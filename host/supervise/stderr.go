package supervise

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"time"
)

// filterStderr sits between a plugin's stderr and go-plugin's log
// forwarder, which trusts what it reads in two ways that a plugin must not
// be able to exploit:
//
//   - it type-asserts @message, @level and @timestamp of a JSON line to
//     strings, so `{"@message":42}` would panic the host: such lines are
//     rewritten with those fields as strings;
//   - it logs plain-text lines at debug, hiding a crashing plugin's own
//     error at the default level: plain lines (outside a panic trace, which
//     go-plugin handles itself) are marked [WARN].
//
// It returns the reader go-plugin should consume; it ends when src does.
func filterStderr(src io.ReadCloser) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		defer src.Close()
		r := bufio.NewReaderSize(src, 64*1024)
		inPanic, continuation := false, false
		for {
			line, isPrefix, err := r.ReadLine()
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			out := line
			if !continuation && !isPrefix { // a whole line: safe to inspect
				out, inPanic = sanitizeLine(line, inPanic)
			}
			continuation = isPrefix
			if _, err := pw.Write(out); err != nil {
				return
			}
			if !isPrefix {
				if _, err := pw.Write([]byte{'\n'}); err != nil {
					return
				}
			}
		}
	}()
	return pr
}

var levelPrefixes = [][]byte{[]byte("[TRACE]"), []byte("[DEBUG]"), []byte("[INFO]"), []byte("[WARN]"), []byte("[ERROR]")}

func sanitizeLine(line []byte, inPanic bool) ([]byte, bool) {
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var raw map[string]any
		if json.Unmarshal(trimmed, &raw) == nil {
			return sanitizeJSON(raw, line), inPanic
		}
	}
	if bytes.HasPrefix(line, []byte("panic: ")) || bytes.HasPrefix(line, []byte("fatal error: ")) {
		return line, true
	}
	if inPanic || len(trimmed) == 0 {
		return line, inPanic
	}
	for _, p := range levelPrefixes {
		if bytes.HasPrefix(line, p) {
			return line, false
		}
	}
	return append([]byte("[WARN] "), line...), false
}

// sanitizeJSON makes the hclog fields of a JSON line strings, and drops a
// timestamp go-plugin could not parse, re-encoding only when needed.
func sanitizeJSON(raw map[string]any, line []byte) []byte {
	changed := false
	for _, k := range []string{"@message", "@level"} {
		if v, ok := raw[k]; ok {
			if _, isString := v.(string); !isString {
				b, _ := json.Marshal(v)
				raw[k] = string(b)
				changed = true
			}
		}
	}
	if v, ok := raw["@timestamp"]; ok {
		s, isString := v.(string)
		if _, err := time.Parse("2006-01-02T15:04:05.000000Z07:00", s); !isString || err != nil {
			delete(raw, "@timestamp")
			changed = true
		}
	}
	if !changed {
		return line
	}
	out, err := json.Marshal(raw)
	if err != nil {
		return line
	}
	return out
}
