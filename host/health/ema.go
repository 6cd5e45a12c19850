package health

import "fmt"

// EMA is an exponential moving average: the first sample is taken as is,
// each later one x moves the average v to v + Alpha·(x − v).
type EMA struct {
	Alpha   float64
	value   float64
	samples uint64
}

// Add takes one sample and returns the new average.
func (e *EMA) Add(x float64) float64 {
	if e.samples == 0 {
		e.value = x
	} else {
		e.value += e.Alpha * (x - e.value)
	}
	e.samples++
	return e.value
}

// Value is the average (0 before any sample).
func (e *EMA) Value() float64 { return e.value }

// Samples is how many samples the average has taken.
func (e *EMA) Samples() uint64 { return e.samples }

// Band is a signal's hysteresis: it degrades when its value reaches High
// and recovers when the value falls to Low or below.
type Band struct {
	High, Low float64
}

// Validate checks Low < High.
func (b Band) Validate() error {
	if !(b.Low < b.High) {
		return fmt.Errorf("low threshold %v must be below high threshold %v", b.Low, b.High)
	}
	return nil
}

// Next is the state after value, from degraded: degrade at High or above,
// recover at Low or below, otherwise keep the state.
func (b Band) Next(degraded bool, value float64) bool {
	switch {
	case value >= b.High:
		return true
	case value <= b.Low:
		return false
	}
	return degraded
}
