package supervise

import (
	"io"
	"strings"
	"testing"
)

func TestFilterStderr(t *testing.T) {
	in := strings.Join([]string{
		`{"@level":"info","@message":42,"@timestamp":"2026-01-01T00:00:00.000000Z"}`,
		`{"@level":["x"],"@message":"hi","@timestamp":7}`,
		`{"@level":"info","@message":"fine","@timestamp":"2026-01-01T00:00:00.000000Z"}`,
		`cannot open config: no such file`,
		`[ERROR] already levelled`,
		`panic: boom`,
		`goroutine 1 [running]:`,
		``,
	}, "\n")
	out, err := io.ReadAll(filterStderr(io.NopCloser(strings.NewReader(in))))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`{"@level":"info","@message":"42","@timestamp":"2026-01-01T00:00:00.000000Z"}`,
		`{"@level":"[\"x\"]","@message":"hi"}`,
		`{"@level":"info","@message":"fine","@timestamp":"2026-01-01T00:00:00.000000Z"}`,
		`[WARN] cannot open config: no such file`,
		`[ERROR] already levelled`,
		`panic: boom`,
		`goroutine 1 [running]:`,
		``,
	}, "\n")
	if string(out) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}
