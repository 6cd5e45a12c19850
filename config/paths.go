package config

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// resolvePath turns a path written in the file into one the host can use:
// absolute paths stay as they are, relative ones are joined to the
// deployment's directory (never the host's working directory, so a file
// means the same thing wherever aura-host is started from). The result of a
// relative path always contains a separator, so exec never searches $PATH
// for it. "~" is not expanded: it is reported instead of silently creating a
// directory called "~".
func (d *decoder) resolvePath(p string, a *hcl.Attribute) (string, bool) {
	problem := ""
	switch {
	case p == "":
		problem = fmt.Sprintf("%s must not be empty.", a.Name)
	case strings.ContainsRune(p, 0):
		problem = fmt.Sprintf("%s must not contain a NUL character.", a.Name)
	case p == "~" || strings.HasPrefix(p, "~/"):
		problem = fmt.Sprintf("%s starts with \"~\", which is not expanded. Write an absolute path, or one relative to the deployment file's directory.", a.Name)
	}
	if problem != "" {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid path",
			Detail:   problem,
			Subject:  a.Expr.Range().Ptr(),
		})
		return "", false
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p), true
	}
	joined := filepath.Join(d.dir, p)
	if !filepath.IsAbs(joined) && !strings.ContainsRune(joined, filepath.Separator) {
		joined = "." + string(filepath.Separator) + joined
	}
	return joined, true
}
