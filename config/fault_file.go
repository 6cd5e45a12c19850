package config

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/aurahost/aura-host/internal/hclsafe"
)

// A fault file holds nothing but fault blocks: a simulation's whole fault
// schedule, written apart from the deployment it applies to. The
// shrinker of host/sim writes one for a failing seed (WriteFaults), and
// `aura-host simulate FILE --seed N --faults F` reads it back
// (LoadFaults) to replay that schedule instead of the deployment's fault
// blocks and swarm block.

// faultFileSpec is the top level of a fault file: fault blocks only.
var faultFileSpec = bodySpec[Deployment]{
	where: "in a fault file",
	blocks: []blockSpec[Deployment]{
		{typ: "fault", labels: []string{"kind"}, decode: decodeFaultBlock},
	},
	elsewhere: func(name string) string {
		if faultSpec.attr(name) != nil {
			return fmt.Sprintf("%s belongs inside a fault block.", name)
		}
		return "A fault file holds only fault blocks; the rest of the deployment stays in its own file."
	},
}

// ParseFaults decodes a fault file from src, checked as a deployment's
// fault blocks are (each kind's attributes) and against dep's agents: a
// fault naming an agent dep does not declare is an error at its line.
// The faults come back in file order.
func ParseFaults(src []byte, filename string, dep *Deployment) ([]*Fault, hcl.Diagnostics) {
	fallback := hcl.Range{Filename: filename, Start: hcl.Pos{Line: 1, Column: 1}, End: hcl.Pos{Line: 1, Column: 1}}
	if diags := hclsafe.Check(src, filename, 0); diags.HasErrors() {
		return nil, finish(diags, fallback)
	}
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() || file == nil {
		return nil, finish(diags, fallback)
	}
	if numDiags := checkNumberLiterals(src, filename); numDiags.HasErrors() {
		return nil, finish(append(diags, numDiags...), fallback)
	}
	d := &decoder{diags: diags}
	scratch := &Deployment{Agents: dep.Agents, Peers: dep.Peers, Plugins: dep.Plugins}
	faultFileSpec.decode(d, scratch, file.Body)
	d.checkFaultAgents(scratch)
	return scratch.Faults, finish(d.diags, fallback)
}

// LoadFaults reads and decodes the fault file at path (ParseFaults).
// files holds the file's source under path, for the snippets of its
// diagnostics, when it parses at all.
func LoadFaults(path string, dep *Deployment) (faults []*Fault, files map[string]*hcl.File, diags hcl.Diagnostics) {
	files = map[string]*hcl.File{}
	src, err := ReadSource(path, dep.MaxFileSize)
	if err != nil {
		start := hcl.Pos{Line: 1, Column: 1}
		return nil, files, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read fault file",
			Detail: err.Error() + ".", Subject: &hcl.Range{Filename: path, Start: start, End: start}}}
	}
	if file, _ := hclsyntax.ParseConfig(src, path, hcl.Pos{Line: 1, Column: 1}); file != nil {
		files[path] = file
	}
	faults, diags = ParseFaults(src, path, dep)
	return faults, files, diags
}

// WriteFaults writes faults as fault blocks that ParseFaults reads back to
// the same values, laid out as `aura-host fmt` lays them out: times in
// whole milliseconds, rates as written, each block's attributes in the
// order the fault's kind documents them.
func WriteFaults(w io.Writer, faults []*Fault) error {
	var b bytes.Buffer
	for i, f := range faults {
		if i > 0 {
			b.WriteByte('\n')
		}
		attrs, err := faultAttrs(f)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "fault %q {\n", f.Kind)
		width := 0
		for _, a := range attrs {
			width = max(width, len(a[0]))
		}
		for _, a := range attrs {
			// Equals signs aligned, as aura-host fmt aligns them.
			fmt.Fprintf(&b, "  %-*s = %s\n", width, a[0], a[1])
		}
		b.WriteString("}\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// faultAttrs are the attributes of f that its kind takes and that are
// set (the required ones always), as name and HCL value; an error for a
// kind it does not know, rather than a block that would not parse.
func faultAttrs(f *Fault) ([][2]string, error) {
	ms := func(d time.Duration) string { return strconv.Quote(strconv.FormatInt(d.Milliseconds(), 10) + "ms") }
	attrs := [][2]string{{"at", ms(f.At)}}
	add := func(name, value string) { attrs = append(attrs, [2]string{name, value}) }
	switch f.Kind {
	case FaultPartition:
		quoted := make([]string, len(f.Between))
		for i, a := range f.Between {
			quoted[i] = strconv.Quote(a)
		}
		add("between", "["+strings.Join(quoted, ", ")+"]")
	case FaultDrop, FaultDuplicate:
		add("rate", strconv.FormatFloat(f.Rate, 'g', -1, 64))
	case FaultDelay:
		add("min", ms(f.Min))
		add("max", ms(f.Max))
	case FaultCrash:
		add("agent", strconv.Quote(f.Agent))
	case FaultStorageFailure:
		add("rate", strconv.FormatFloat(f.Rate, 'g', -1, 64))
		if f.Agent != "" {
			add("agent", strconv.Quote(f.Agent))
		}
	case FaultReorder:
		add("rate", strconv.FormatFloat(f.Rate, 'g', -1, 64))
		if f.Hold > 0 {
			add("hold", ms(f.Hold))
		}
	case FaultClockSkew:
		add("agent", strconv.Quote(f.Agent))
		add("offset", ms(f.Offset))
	case FaultPluginCrash:
		add("agent", strconv.Quote(f.Agent))
		add("plugin", strconv.Quote(f.Plugin))
	default:
		return nil, fmt.Errorf("cannot write a fault of kind %q as a fault block", f.Kind)
	}
	if f.HealAfter > 0 && f.Kind == FaultPartition {
		add("heal_after", ms(f.HealAfter))
	}
	if f.RestartAfter > 0 && f.Kind == FaultCrash {
		add("restart_after", ms(f.RestartAfter))
	}
	if f.Duration > 0 && f.Kind != FaultPartition && f.Kind != FaultCrash && f.Kind != FaultPluginCrash {
		add("duration", ms(f.Duration))
	}
	return attrs, nil
}
