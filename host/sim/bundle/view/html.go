package view

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
)

// The page's own style and script, written for it and embedded whole: the
// page loads nothing else.
var (
	//go:embed assets/view.css
	pageCSS string
	//go:embed assets/view.js
	pageJS string
)

// CSP is the page's Content-Security-Policy: nothing may be fetched or
// connected to (default-src 'none'), and only the page's own style and
// script run, named by their SHA-256, so that even markup slipped into the
// page could run no script of its own.
func CSP() string {
	return fmt.Sprintf("default-src 'none'; script-src '%s'; style-src '%s'; img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'",
		cspHash(pageJS), cspHash(pageCSS))
}

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// DataElementID is the id of the script element of type
// application/json that holds the view's JSON in the page.
const DataElementID = "aura-run"

// WriteHTML writes the view as one self-contained HTML page: the style,
// the script and the view's JSON inline. The JSON is encoded with
// encoding/json's HTML escaping (<, > and & as \u003c, \u003e, \u0026; the
// line and paragraph separators escaped too), so no string of the record
// can end the element that holds it.
func (v *View) WriteHTML(w io.Writer) error {
	data, err := json.Marshal(v) // HTML-safe by default
	if err != nil {
		return fmt.Errorf("view: encode: %w", err)
	}
	if bytes.Contains(data, []byte("<")) {
		panic("view: JSON with a raw '<'") // encoding/json escapes it: a change there must not reach a page
	}
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n", html.EscapeString(CSP()))
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n", html.EscapeString(v.Title))
	b.WriteString("<style>" + pageCSS + "</style>\n</head>\n<body>\n")
	b.WriteString(bodyHTML)
	fmt.Fprintf(&b, "<script type=\"application/json\" id=\"%s\">", DataElementID)
	b.Write(data)
	b.WriteString("</script>\n<script>" + pageJS + "</script>\n</body>\n</html>\n")
	_, err = w.Write(b.Bytes())
	return err
}

// bodyHTML is the page's fixed markup; the script fills it in.
const bodyHTML = `<header id="top">
<h1 id="title"></h1>
<div id="summary"></div>
<div id="controls">
<button id="prev" type="button" title="previous step (←)">◀</button>
<input id="step" type="range" min="0" max="0" value="0" aria-label="step">
<button id="next" type="button" title="next step (→)">▶</button>
<span id="stepinfo"></span>
</div>
</header>
<main>
<div id="scroller"><div id="diagram"></div></div>
<aside id="details"><h2>Current step</h2><dl id="fields"></dl><div id="notes"></div>
<p class="help">← → (or ↑ ↓) step, PgUp PgDn ten steps, Home End the first and last; click a row to go to it.</p></aside>
</main>
`
