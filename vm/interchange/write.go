package interchange

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/aurahost/aura-host/vm/project"
	"github.com/aurahost/aura-host/vm/syntax"
)

// jsonType is the interchange form of a global or local type node.
type jsonType struct {
	Kind     string       `json:"kind"`
	Sender   string       `json:"sender,omitempty"`
	Receiver string       `json:"receiver,omitempty"`
	Partner  string       `json:"partner,omitempty"`
	Branches []jsonBranch `json:"branches,omitempty"`
	Var      string       `json:"var,omitempty"`
	Name     string       `json:"name,omitempty"`
	Body     *jsonType    `json:"body,omitempty"`
}

type jsonBranch struct {
	Label        jsonLabel `json:"label"`
	Continuation *jsonType `json:"continuation"`
}

type jsonLabel struct {
	Name string `json:"name"`
	Sort string `json:"sort"`
}

// jsonNodeLimit bounds how large a tree the JSON forms may unfold a
// shared DAG into: sequential choices multiply the paths.
const jsonNodeLimit = 1 << 16

// marshalJSON indents small documents for people and leaves large ones
// compact, since indentation grows with nesting depth.
func marshalJSON(v any) ([]byte, error) {
	compact, err := json.Marshal(v)
	if err != nil || len(compact) > 1<<16 {
		return compact, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, compact, "", "  "); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// GlobalJSON renders a protocol's global type in the interchange form.
// Role-local actions, payload expressions and bindings have no place in
// it and are left out; shared continuations are written out in full.
func GlobalJSON(p *syntax.Protocol) ([]byte, error) {
	budget := jsonNodeLimit
	var conv func(g *syntax.Global) (*jsonType, error)
	conv = func(g *syntax.Global) (*jsonType, error) {
		if budget--; budget < 0 {
			return nil, fmt.Errorf("vm: the global type of %s unfolds into more than %d nodes", p.Name, jsonNodeLimit)
		}
		switch g.Kind {
		case syntax.GEnd:
			return &jsonType{Kind: "end"}, nil
		case syntax.GVar:
			return &jsonType{Kind: "var", Name: g.Var}, nil
		case syntax.GRec:
			body, err := conv(g.Body)
			return &jsonType{Kind: "rec", Var: g.Var, Body: body}, err
		case syntax.GAction:
			return conv(g.Next)
		}
		out := &jsonType{Kind: "comm", Sender: g.From, Receiver: g.To, Branches: []jsonBranch{}}
		for _, b := range g.Branches {
			next, err := conv(b.Next)
			if err != nil {
				return nil, err
			}
			out.Branches = append(out.Branches, jsonBranch{Label: jsonLabel{b.Label.Name, string(b.Label.Sort)}, Continuation: next})
		}
		return out, nil
	}
	t, err := conv(p.Global)
	if err != nil {
		return nil, err
	}
	return marshalJSON(t)
}

// LocalJSON renders a role's local type in the interchange form: send and
// recv nodes with the partner and labelled branches, rec, var and end.
// Role-local actions are invisible to the session type and left out.
func LocalJSON(pr *project.Projection, role string) ([]byte, error) {
	t := pr.Local(role)
	if t == nil {
		return nil, fmt.Errorf("vm: %q is not a role of %s", role, pr.Protocol.Name)
	}
	budget := jsonNodeLimit
	var conv func(t *project.Local) (*jsonType, error)
	conv = func(t *project.Local) (*jsonType, error) {
		if budget--; budget < 0 {
			return nil, fmt.Errorf("vm: the local type of %s unfolds into more than %d nodes", role, jsonNodeLimit)
		}
		switch t.Kind {
		case project.LEnd:
			return &jsonType{Kind: "end"}, nil
		case project.LVar:
			return &jsonType{Kind: "var", Name: t.Var}, nil
		case project.LRec:
			body, err := conv(t.Body)
			return &jsonType{Kind: "rec", Var: t.Var, Body: body}, err
		case project.LAction:
			return conv(t.Next)
		}
		out := &jsonType{Kind: t.Kind.String(), Partner: t.Partner, Branches: []jsonBranch{}}
		for _, b := range t.Branches {
			next, err := conv(b.Next)
			if err != nil {
				return nil, err
			}
			out.Branches = append(out.Branches, jsonBranch{Label: jsonLabel{b.Label.Name, string(b.Label.Sort)}, Continuation: next})
		}
		return out, nil
	}
	out, err := conv(t)
	if err != nil {
		return nil, err
	}
	return marshalJSON(out)
}

// ProjectionJSON renders the local types of roles (every role of the protocol
// when none is named) as one JSON object keyed by role, in order, each in
// the interchange form LocalJSON writes.
func ProjectionJSON(pr *project.Projection, roles ...string) ([]byte, error) {
	if len(roles) == 0 {
		roles = pr.Protocol.Roles
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, r := range roles {
		out, err := LocalJSON(pr, r)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "  %q: %s", r, bytes.ReplaceAll(out, []byte("\n"), []byte("\n  ")))
		if i < len(roles)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}
