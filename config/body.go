package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// bodySpec describes what the body of one kind of block may hold, and how
// each item fills the Go value T that the block decodes into. Every block
// kind of the deployment language declares one next to its Go type (the
// top level in deployment.go, the deployment block in deployment_block.go,
// plugin blocks in plugin.go and their health, restart and call blocks in
// supervision.go; service.go, agent.go, override.go, fault.go, run.go), so
// adding an attribute or a nested block is one entry and its decode
// function. Rules between blocks run after all are decoded, from
// checkDeployment.
type bodySpec[T any] struct {
	// where names the body in messages: "in a plugin block".
	where  string
	attrs  []attrSpec[T]
	blocks []blockSpec[T]
	// elsewhere, if set, explains where an unexpected name belongs instead
	// ("mode" at the top level belongs in the deployment block); "" if
	// nowhere.
	elsewhere func(name string) string
}

// attrSpec is one attribute a body accepts.
type attrSpec[T any] struct {
	name string
	// required attributes missing from the body are reported with example
	// as the fix.
	required bool
	example  string
	decode   func(d *decoder, t *T, a *hcl.Attribute)
}

// blockSpec is one kind of nested block a body accepts.
type blockSpec[T any] struct {
	typ    string
	labels []string
	// single: at most one such block per body; a second one is an error
	// pointing at it and naming the line of the first.
	single bool
	decode func(d *decoder, t *T, b *hcl.Block)
}

func (s *bodySpec[T]) schema() *hcl.BodySchema {
	schema := &hcl.BodySchema{}
	for _, a := range s.attrs {
		// Required attributes are checked in decode, with a better message
		// than HCL's.
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: a.name})
	}
	for _, b := range s.blocks {
		schema.Blocks = append(schema.Blocks, hcl.BlockHeaderSchema{Type: b.typ, LabelNames: b.labels})
	}
	return schema
}

// decode checks body against the spec and decodes every attribute (in
// source order), then every nested block (in source order) into t. All
// problems are added to d; decoding carries on past them. It returns the
// names of the unexpected attributes and blocks, so a block's own checks
// can stay quiet about what a reported typo explains.
func (s *bodySpec[T]) decode(d *decoder, t *T, body hcl.Body) (unexpected []string) {
	var content *hcl.BodyContent
	var diags hcl.Diagnostics
	if sb, ok := body.(*hclsyntax.Body); ok {
		content, _, diags = sb.PartialContent(s.schema())
		var more hcl.Diagnostics
		unexpected, more = s.unexpected(sb)
		diags = append(diags, more...)
	} else {
		content, diags = body.Content(s.schema())
	}
	d.add(diags...)
	if content == nil {
		return unexpected
	}
	for _, a := range sortedAttrs(content.Attributes) {
		if spec := s.attr(a.Name); spec != nil {
			spec.decode(d, t, a)
		}
	}
	for _, spec := range s.attrs {
		if _, ok := content.Attributes[spec.name]; spec.required && !ok {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing required argument",
				Detail:   fmt.Sprintf("The argument %q is required %s. Add it, for example: %s = %s", spec.name, s.where, spec.name, spec.example),
				Subject:  body.MissingItemRange().Ptr(),
			})
		}
	}
	first := make(map[string]*hcl.Block)
	for _, b := range content.Blocks {
		spec := s.block(b.Type)
		if spec == nil {
			continue
		}
		if spec.single {
			if f, dup := first[b.Type]; dup {
				d.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  fmt.Sprintf("Duplicate %s block", b.Type),
					Detail:   fmt.Sprintf("Only one %s block is allowed %s; the first one is at %s. Merge the two into one.", b.Type, s.where, lineOf(f.DefRange, b.DefRange)),
					Subject:  b.DefRange.Ptr(),
				})
				continue
			}
			first[b.Type] = b
		}
		spec.decode(d, t, b)
	}
	return unexpected
}

// unexpected reports every attribute and block of body that the spec does
// not know, with a suggestion when one is close and the list of what is
// accepted.
func (s *bodySpec[T]) unexpected(body *hclsyntax.Body) (names []string, diags hcl.Diagnostics) {
	attrNames, blockTypes := s.names()
	for _, a := range sortedSyntaxAttrs(body.Attributes) {
		if s.attr(a.Name) != nil {
			continue
		}
		names = append(names, a.Name)
		hint := didYouMean(a.Name, attrNames)
		switch {
		case hint != "":
		case slices.Contains(blockTypes, a.Name):
			hint = fmt.Sprintf(" %s is a block: write %s { ... } without the equals sign.", a.Name, a.Name)
		case s.elsewhere != nil && s.elsewhere(a.Name) != "":
			hint = " " + s.elsewhere(a.Name)
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsupported argument",
			Detail:   fmt.Sprintf("An argument named %q is not expected %s.%s %s", a.Name, s.where, hint, s.accepted()),
			Subject:  a.NameRange.Ptr(),
		})
	}
	for _, b := range body.Blocks {
		if s.block(b.Type) != nil {
			continue
		}
		names = append(names, b.Type)
		hint := didYouMean(b.Type, blockTypes)
		switch {
		case hint != "":
		case slices.Contains(attrNames, b.Type):
			hint = fmt.Sprintf(" %s is an argument: write %s = <value>.", b.Type, b.Type)
		case s.elsewhere != nil && s.elsewhere(b.Type) != "":
			hint = " " + s.elsewhere(b.Type)
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsupported block type",
			Detail:   fmt.Sprintf("Blocks of type %q are not expected %s.%s %s", b.Type, s.where, hint, s.accepted()),
			Subject:  b.TypeRange.Ptr(),
		})
	}
	return names, diags
}

// accepted is the sentence listing what the body takes.
func (s *bodySpec[T]) accepted() string {
	attrNames, blockTypes := s.names()
	var parts []string
	if len(attrNames) > 0 {
		parts = append(parts, "arguments "+strings.Join(attrNames, ", "))
	}
	if len(blockTypes) > 0 {
		parts = append(parts, "blocks "+strings.Join(blockTypes, ", "))
	}
	if len(parts) == 0 {
		return "Nothing is accepted " + s.where + "."
	}
	return "Accepted " + s.where + ": " + strings.Join(parts, "; ") + "."
}

func (s *bodySpec[T]) names() (attrs, blocks []string) {
	for _, a := range s.attrs {
		attrs = append(attrs, a.name)
	}
	for _, b := range s.blocks {
		blocks = append(blocks, b.typ)
	}
	return attrs, blocks
}

func (s *bodySpec[T]) attr(name string) *attrSpec[T] {
	for i := range s.attrs {
		if s.attrs[i].name == name {
			return &s.attrs[i]
		}
	}
	return nil
}

func (s *bodySpec[T]) block(typ string) *blockSpec[T] {
	for i := range s.blocks {
		if s.blocks[i].typ == typ {
			return &s.blocks[i]
		}
	}
	return nil
}

// sortedSyntaxAttrs returns a syntax body's attributes in source order.
func sortedSyntaxAttrs(attrs hclsyntax.Attributes) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *hclsyntax.Attribute) int { return a.NameRange.Start.Byte - b.NameRange.Start.Byte })
	return out
}
