package view

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/trace"
)

// ReadFile builds the view of a recorded file: a simulation bundle
// (`aura-host simulate --record`) or a protocol run's trace (`aura-host
// protocol run --record`), told apart by their first line. A file larger
// than Options.MaxBytes, or one altered since it was recorded (a digest
// that no longer chains), is refused with an error saying what to do.
func ReadFile(file string, opt Options) (*View, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w (give a file written by `aura-host simulate --record` or `aura-host protocol run --record`)", file, err)
	}
	defer f.Close()
	limit := opt.maxBytes()
	raw, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if int64(len(raw)) > limit {
		return nil, fmt.Errorf("read %s: the file is larger than %d bytes, the most the viewer reads; view a shorter run", file, limit)
	}
	return Read(file, raw, opt)
}

// Read builds the view of a recorded file's bytes (ReadFile); file names
// it in errors and on the page.
func Read(file string, raw []byte, opt Options) (*View, error) {
	first, _, _ := bytes.Cut(raw, []byte("\n"))
	var head struct {
		Format string `json:"format"`
	}
	_ = json.Unmarshal(first, &head) // neither format: said below
	switch head.Format {
	case bundle.Format:
		b, err := bundle.Read(file, raw)
		if err != nil {
			return nil, err
		}
		v, err := FromBundle(b, opt)
		var te *bundle.TraceError
		if errors.As(err, &te) && te.AlteredLine > 0 {
			return nil, fmt.Errorf("%s: %w; `aura-host trace replay %s` names it", file, err, file)
		}
		if te != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return v, err
	case trace.Format:
		t, err := vm.ReadTrace(bytes.NewReader(raw))
		var fault *vm.Fault
		if errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism {
			return nil, fmt.Errorf("%s: trace entry %d (line %d) was altered or does not parse: %s; `aura-host trace replay %s` names it",
				file, fault.Index, fault.Index+2, fault.Message, file)
		}
		if err != nil {
			return nil, fmt.Errorf("read trace %s: %w", file, err)
		}
		return FromTrace(file, t, opt)
	}
	return nil, fmt.Errorf("%s is neither a simulation bundle (`aura-host simulate --record`) nor a protocol trace (`aura-host protocol run --record`): its first line has no format %q or %q",
		file, bundle.Format, trace.Format)
}
