package view_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/aurahost/aura-host/host/sim/bundle/view"
)

// chromium finds a headless-capable Chromium. Absent, the test skips —
// except in CI (CI=true), where it fails saying how to install it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const how = "Chromium is not installed: `apt-get update && apt-get install -y chromium` (Debian's package; .ci/run installs it when missing)"
	if os.Getenv("CI") == "true" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// browser starts one headless Chromium for a test; each page opens in a
// tab of it.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// pageEvents is what a page did while loaded: every request it made,
// console messages, uncaught exceptions, log entries (a Content-Security-
// Policy violation is one) and dialogs (an injected alert would be one).
type pageEvents struct {
	mu         sync.Mutex
	requests   []string
	console    []string
	exceptions []string
	logs       []string
	dialogs    []string
}

func (e *pageEvents) listen(ev any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		e.requests = append(e.requests, ev.Request.URL)
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			args = append(args, string(a.Value))
		}
		e.console = append(e.console, string(ev.Type)+": "+strings.Join(args, " "))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		e.exceptions = append(e.exceptions, fmt.Sprintf("%s (line %d)", msg, d.LineNumber))
	case *log.EventEntryAdded:
		e.logs = append(e.logs, string(ev.Entry.Level)+": "+ev.Entry.Text)
	case *page.EventJavascriptDialogOpening:
		e.dialogs = append(e.dialogs, ev.Message) // it blocks the page: the test's next step fails, and this names why
	}
}

// drawn is what the page drew, counted in its DOM.
type drawn struct {
	Lifelines      int    `json:"lifelines"`       // lifeline lines
	LifelinesShown int    `json:"lifelines_shown"` // of them with a non-empty box
	Heads          int    `json:"heads"`           // lifeline headers
	HeadsShown     int    `json:"heads_shown"`
	Arrows         int    `json:"arrows"`       // message arrows revealed
	ArrowsShown    int    `json:"arrows_shown"` // of them with a non-empty box
	Rows           int    `json:"rows"`
	Step           string `json:"step"`    // the slider's value
	StepMax        string `json:"max"`     // and its last step
	Scripts        int    `json:"scripts"` // script elements in the page
	Info           string `json:"info"`    // the step line
	HeadTop        int    `json:"head_top"`
}

const countDrawn = `(() => {
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 || r.height > 0; };
  const lifelines = [...document.querySelectorAll('#body .lifeline')];
  const heads = [...document.querySelectorAll('#heads .lane-head')];
  const arrows = [...document.querySelectorAll('#body .arrow:not(.future)')];
  const s = document.getElementById('step');
  return {
    lifelines: lifelines.length,
    lifelines_shown: lifelines.filter(e => e.getBoundingClientRect().height > 100).length,
    heads: heads.length, heads_shown: heads.filter(shown).length,
    arrows: arrows.length,
    arrows_shown: arrows.filter(g => { const l = g.querySelector('line'); return l && l.getBoundingClientRect().width > 20; }).length,
    rows: document.querySelectorAll('#body .row').length,
    step: s.value, max: s.max, scripts: document.scripts.length,
    info: document.getElementById('stepinfo').textContent,
    head_top: Math.round(document.getElementById('heads').getBoundingClientRect().top),
  };
})()`

// open loads a page file in a new tab and returns its events and drawing.
func open(t *testing.T, browserCtx context.Context, file string) (context.Context, *pageEvents, drawn) {
	t.Helper()
	ev := &pageEvents{}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithListener(ev.listen))
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 45*time.Second) // a page that never draws fails here, not at the test's deadline
	t.Cleanup(cancelTimeout)
	u := (&url.URL{Scheme: "file", Path: file}).String()
	err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.ID("body")))
	var d drawn
	if err == nil {
		d, err = chromedp.Run(ctx, chromedp.Evaluate[drawn](countDrawn))
	}
	if err != nil {
		ev.mu.Lock()
		defer ev.mu.Unlock()
		t.Fatalf("load %s in Chromium: %v (dialogs: %q)", file, err, ev.dialogs)
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for _, r := range ev.requests {
		if r != u {
			t.Errorf("the page made a request: %s (want none besides the document)", r)
		}
	}
	for _, c := range ev.console {
		t.Errorf("console: %s", c)
	}
	for _, x := range ev.exceptions {
		t.Errorf("uncaught exception: %s", x)
	}
	for _, l := range ev.logs {
		t.Errorf("browser log: %s", l)
	}
	for _, m := range ev.dialogs {
		t.Errorf("the page opened a dialog: %q", m)
	}
	return ctx, ev, d
}

func writePage(t *testing.T, v *view.View, name string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := v.WriteHTML(f); err != nil {
		t.Fatal(err)
	}
	return file
}

// setStep moves the slider as a user does (an input event) and returns
// the drawing after it.
func setStep(t *testing.T, ctx context.Context, step int) drawn {
	t.Helper()
	js := fmt.Sprintf(`(() => { const s = document.getElementById('step'); s.value = '%d'; s.dispatchEvent(new Event('input')); })()`, step)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		t.Fatal(err)
	}
	d, err := chromedp.Run(ctx, chromedp.Evaluate[drawn](countDrawn))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestPagesOpenInChromium opens the viewer's pages in headless Chromium:
// the README's simulation, a 5-agent run of 204 messages under faults
// (simulated here), and a record whose every name is hostile. Each loads
// with no console message, exception, CSP violation or request besides
// the document; the lifelines and message arrows are drawn with non-empty
// boxes; the step slider and the arrow keys reveal the run step by step.
func TestPagesOpenInChromium(t *testing.T) {
	ctx := browser(t)

	t.Run("README simulation", func(t *testing.T) {
		v, err := view.Read("seed-7.jsonl", recoveryBundle(t), view.Options{})
		if err != nil {
			t.Fatal(err)
		}
		tab, _, d := open(t, ctx, writePage(t, v, "seed-7.html"))
		if d.Lifelines != 4 || d.LifelinesShown != 4 || d.Heads != 4 || d.HeadsShown != 4 {
			t.Errorf("drawn %+v: want 4 lifelines and 4 headers, each with a box", d)
		}
		if d.Arrows != 12 || d.ArrowsShown != 12 {
			t.Errorf("drawn %+v: want the 12 messages' arrows, each with a box", d)
		}
		if d.Step != d.StepMax || d.StepMax != fmt.Sprint(len(v.Rows)-1) {
			t.Errorf("slider at %s of %s, want the last step %d at first", d.Step, d.StepMax, len(v.Rows)-1)
		}
		// Step 0 is the drop fault: no message yet. The first Enroll's
		// send reveals one arrow.
		if d0 := setStep(t, tab, 0); d0.Arrows != 0 || !strings.HasPrefix(d0.Info, "step 1 of") {
			t.Errorf("at step 0: %+v, want no arrow", d0)
		}
		firstSend := v.Messages[0].Send
		for _, m := range v.Messages {
			firstSend = min(firstSend, m.Send)
		}
		if d1 := setStep(t, tab, firstSend); d1.Arrows != 1 || d1.ArrowsShown != 1 {
			t.Errorf("at the first send (step %d): %+v, want one arrow drawn", firstSend, d1)
		}
		// The keyboard: End shows everything, ← steps back one.
		if err := chromedp.Do(tab, chromedp.KeyEvent(kb.End), chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.ArrowLeft)); err != nil {
			t.Fatal(err)
		}
		after, err := chromedp.Run(tab, chromedp.Evaluate[drawn](countDrawn))
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint(len(v.Rows) - 3); after.Step != want || after.Arrows != 12 {
			t.Errorf("after End ← ←: %+v, want step %s with the 12 arrows", after, want)
		}
	})

	t.Run("five agents, 204 messages", func(t *testing.T) {
		v, err := view.Read("rounds.jsonl", roundsBundle(t), view.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Lifelines) != 5 || len(v.Messages) != 204 {
			t.Fatalf("%d lifelines and %d messages, want 5 and 204", len(v.Lifelines), len(v.Messages))
		}
		faults := map[string]bool{}
		for _, r := range v.Rows {
			if r.Kind == view.RowFault {
				faults[r.Effect] = true
			}
		}
		for _, k := range []string{"drop", "delay", "partition", "crash"} {
			if !faults[k] {
				t.Errorf("no %s fault row (faults %v)", k, faults)
			}
		}
		tab, _, d := open(t, ctx, writePage(t, v, "rounds.html"))
		if d.Lifelines != 5 || d.LifelinesShown != 5 || d.HeadsShown != 5 || d.Arrows != 204 || d.ArrowsShown != 204 {
			t.Errorf("drawn %+v: want 5 lifelines and 204 arrows, each with a box", d)
		}
		mid := setStep(t, tab, len(v.Rows)/2)
		if mid.Arrows <= 0 || mid.Arrows >= 204 {
			t.Errorf("half way: %d arrows revealed, want some but not all", mid.Arrows)
		}
		// The headers stay at the top of the scroller when it scrolls down.
		if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.getElementById('scroller').scrollTop = 5000`)); err != nil {
			t.Fatal(err)
		}
		top, err := chromedp.Run(tab, chromedp.Evaluate[drawn](countDrawn))
		if err != nil {
			t.Fatal(err)
		}
		if top.HeadTop != d.HeadTop {
			t.Errorf("lifeline headers at y=%d after scrolling, at y=%d before: want them to stay", top.HeadTop, d.HeadTop)
		}
	})

	t.Run("hostile names", func(t *testing.T) {
		tab, _, d := open(t, ctx, writePage(t, hostileView(t), "hostile.html"))
		if d.Scripts != 2 {
			t.Errorf("%d script elements, want 2: a hostile label added one", d.Scripts)
		}
		if d.Heads != 2 || d.Arrows != 1 {
			t.Errorf("drawn %+v: want the 2 hostile lifelines and their message", d)
		}
		shown, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('#heads .lane-head title').textContent`))
		if err != nil {
			t.Fatal(err)
		}
		if shown != hostile {
			t.Errorf("the hostile agent name shows as %q, want it as text, whole", shown)
		}
	})
}
