package vm

import (
	"bytes"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/vm/interchange"
	"github.com/aurahost/aura-host/vm/syntax"
)

// Load parses a protocol in either language: the JSON interchange form
// when filename ends in .json or the content starts with '{', the HCL
// protocol language otherwise.
func Load(src []byte, filename string) (*syntax.Protocol, hcl.Diagnostics) {
	if strings.HasSuffix(filename, ".json") || bytes.HasPrefix(bytes.TrimSpace(src), []byte("{")) {
		return interchange.ParseJSON(src, filename)
	}
	return syntax.Parse(src, filename)
}
