// Package view turns a recorded run — a simulation's trace bundle
// (host/sim/bundle) or a protocol run's trace (vm/trace) — into a view
// model (View: lifelines, rows in one causal order, messages, runs) and
// writes it as one self-contained HTML page (View.WriteHTML): a sequence
// diagram drawn in SVG by the page's own script, with a step slider.
// `aura-host trace view` is its command.
//
// It may import host/sim/bundle, host/session (the redaction rule of
// `protocol run`), vm, vm/trace and effects; it must not import host/sim
// or anything that starts a plugin (its tests run simulations to view).
//
// Invariants a newcomer must not break:
//   - The page fetches nothing: its CSS and script are embedded (assets/),
//     a Content-Security-Policy meta tag allows only those two, by hash,
//     and the run's data is JSON inside a non-executed script element,
//     escaped by encoding/json (<, >, & as \u escapes), so no label can
//     close the element; the script builds the SVG with createElementNS
//     and textContent, never by parsing markup.
//   - No byte value reaches the page: bytes are shown as their length and
//     a short BLAKE3 fingerprint, and the map fields `protocol run` hides
//     (session.Redact: private keys, key-share scalars, nonces) are
//     "(secret)".
package view
