package console_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/console"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args = plugintest.Args

// logBuffer collects a logger's output; the plugin writes from its own
// goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns every JSON line written, without the timestamp.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		delete(line, "@timestamp")
		out = append(out, line)
	}
	return out
}

func harness(t *testing.T, level hclog.Level) (*sdktest.Harness, *logBuffer) {
	buf := &logBuffer{}
	logger := hclog.New(&hclog.LoggerOptions{Name: "console", Output: buf, JSONFormat: true, Level: level})
	return sdktest.New(t, console.New(), sdktest.WithLogger(logger)), buf
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, console.New())
}

func TestLogLines(t *testing.T) {
	t.Parallel()
	session := effects.DeriveSessionID("console test", 1)
	cases := []struct {
		name    string
		op      sdk.OpID
		args    sdk.Value
		session effects.SessionID
		want    map[string]any
	}{
		{"info, message only", effects.ConsoleLogInfo, args("message", sdk.String("hello")), effects.SessionID{},
			map[string]any{"@level": "info", "@message": "hello"}},
		{"debug", effects.ConsoleLogDebug, args("message", sdk.String("d")), effects.SessionID{},
			map[string]any{"@level": "debug", "@message": "d"}},
		{"warn", effects.ConsoleLogWarn, args("message", sdk.String("w")), effects.SessionID{},
			map[string]any{"@level": "warn", "@message": "w"}},
		{"error", effects.ConsoleLogError, args("message", sdk.String("e")), effects.SessionID{},
			map[string]any{"@level": "error", "@message": "e"}},
		{"fields of every kind", effects.ConsoleLogInfo, args("message", sdk.String("fields"), "fields", sdk.Map(map[string]sdk.Value{
			"null": sdk.Null(), "bool": sdk.Bool(true), "int": sdk.Int(-3), "uint": sdk.Uint(7), "string": sdk.String("s"),
			"bytes": sdk.Bytes([]byte{0xca, 0xfe}), "list": sdk.List(sdk.Int(1), sdk.String("x")),
			"map": sdk.Map(map[string]sdk.Value{"k": sdk.Bool(false)}),
		})), effects.SessionID{},
			map[string]any{"@level": "info", "@message": "fields", "null": nil, "bool": true, "int": float64(-3), "uint": float64(7),
				"string": "s", "bytes": "0xcafe", "list": `[1, "x"]`, "map": "{k: false}"}},
		{"in a session", effects.ConsoleLogWarn, args("message", sdk.String("in session")), session,
			map[string]any{"@level": "warn", "@message": "in session", "session": session.String()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, buf := harness(t, hclog.Trace)
			v, err := h.Stream.Invoke(context.Background(), &effects.Call{Op: tc.op, Args: tc.args, Session: tc.session})
			if err != nil || !v.IsNull() {
				t.Fatalf("got %v, %v; want null", v, err)
			}
			lines := buf.lines(t)
			if len(lines) != 1 {
				t.Fatalf("got %d log lines, want 1: %v", len(lines), lines)
			}
			tc.want["@module"] = "console"
			if !maps.EqualFunc(lines[0], tc.want, func(a, b any) bool { return a == b }) {
				t.Fatalf("logged %v\nwant   %v", lines[0], tc.want)
			}
		})
	}
}

func TestLoggerLevelFilters(t *testing.T) {
	t.Parallel()
	h, buf := harness(t, hclog.Warn)
	for _, op := range []sdk.OpID{effects.ConsoleLogDebug, effects.ConsoleLogInfo, effects.ConsoleLogWarn, effects.ConsoleLogError} {
		if _, err := h.Invoke(context.Background(), op, args("message", sdk.String(string(op)))); err != nil {
			t.Fatal(err)
		}
	}
	var got []any
	for _, l := range buf.lines(t) {
		got = append(got, l["@message"])
	}
	if len(got) != 2 || got[0] != "console.log_warn" || got[1] != "console.log_error" {
		t.Fatalf("a warn-level logger kept %v, want only the warn and error lines", got)
	}
}
