//go:build race

package agent_test

// raceDetector: the race detector slows every process of a test that
// re-executes the test binary (plugins included) about tenfold.
const raceDetector = true
