package hosttest

import "testing"

func TestDeploymentAppliesReplacements(t *testing.T) {
	t.Parallel()
	dep := Deployment(t, "deployment \"t\" {\n  mode = \"testing\"\n}\nplugin \"crypto\" {\n  builtin = \"crypto\"\n}\n", `"crypto" {`, `"hashing" {`)
	if len(dep.Plugins) != 1 || dep.Plugins[0].Name != "hashing" {
		t.Fatalf("plugins = %+v, want one named hashing", dep.Plugins)
	}
}
