package archtest

import (
	"fmt"
	"slices"
	"strings"
)

// A Package is what the checker needs to know of one package: its import
// path and what its files import, as full import paths.
type Package struct {
	Path string // full import path
	// Imports are the imports of its non-test files.
	Imports []string
	// TestImports are the imports of its _test.go files, in-package and
	// external (package p_test) alike.
	TestImports []string
}

// A Violation is one import that the rules forbid.
type Violation struct {
	From, To string // relative to the module for project packages
	Test     bool   // the import is in a _test.go file
	Reason   string
}

func (v Violation) String() string {
	where := ""
	if v.Test {
		where = " (in a test file)"
	}
	return fmt.Sprintf("%s imports %s%s: %s", v.From, v.To, where, v.Reason)
}

// Check returns every import in pkgs that rules forbid, and every package
// that no rule covers. It reads nothing but its arguments.
func Check(pkgs []Package, rules []Rule) []Violation {
	var out []Violation
	for _, p := range pkgs {
		from, ok := relative(p.Path)
		if !ok {
			continue // not a package of the module
		}
		r, ok := RuleFor(rules, from)
		if !ok {
			out = append(out, Violation{From: from, Reason: "no rule covers this package; add one to archtest.Rules and docs/ARCHITECTURE.md"})
			continue
		}
		for _, imp := range p.Imports {
			if v, bad := checkImport(r, from, imp, false); bad {
				out = append(out, v)
			}
		}
		for _, imp := range p.TestImports {
			if v, bad := checkImport(r, from, imp, true); bad {
				out = append(out, v)
			}
		}
	}
	return out
}

func checkImport(r Rule, from, imp string, test bool) (Violation, bool) {
	if to, ok := relative(imp); ok {
		if to == from || matchesAny(r.May, to) || (test && matchesAny(r.TestMay, to)) {
			return Violation{}, false
		}
		may := r.May
		if test {
			may = slices.Concat(r.May, r.TestMay)
		}
		reason := fmt.Sprintf("rule %q allows only %v", r.Pkg, may)
		if len(may) == 0 {
			reason = fmt.Sprintf("rule %q allows no project package", r.Pkg)
		}
		return Violation{From: from, To: to, Test: test, Reason: reason}, true
	}
	if test || r.Std == nil || !isStandard(imp) || slices.Contains(r.Std, imp) {
		return Violation{}, false
	}
	return Violation{From: from, To: imp, Reason: fmt.Sprintf("standard package off the allow-list of rule %q", r.Pkg)}, true
}

// RuleFor returns the rule that covers pkg (relative to the module): the
// exact one if any, else the "/..." pattern with the longest prefix; with
// the imports of an exception row for pkg added to its May.
func RuleFor(rules []Rule, pkg string) (Rule, bool) {
	best, found := Rule{}, false
	for _, r := range rules {
		if r.Except != nil {
			continue
		}
		if r.Pkg == pkg {
			best, found = r, true
			break
		}
		if match(r.Pkg, pkg) && (!found || len(r.Pkg) > len(best.Pkg)) {
			best, found = r, true
		}
	}
	if !found {
		return best, false
	}
	for _, r := range rules {
		if r.Except != nil && r.Pkg == pkg {
			best.May = slices.Concat(best.May, r.Except)
			best.Pkg += " with the exception for " + pkg
		}
	}
	return best, true
}

// UnusedExceptions returns the exceptions in rules that no package of pkgs
// needs any more: the edge they allow is not there.
func UnusedExceptions(pkgs []Package, rules []Rule) []string {
	var unused []string
	for _, r := range rules {
		for _, e := range r.Except {
			used := slices.ContainsFunc(pkgs, func(p Package) bool {
				from, _ := relative(p.Path)
				if from != r.Pkg {
					return false
				}
				return slices.ContainsFunc(slices.Concat(p.Imports, p.TestImports), func(imp string) bool {
					to, ok := relative(imp)
					return ok && match(e, to)
				})
			})
			if !used {
				unused = append(unused, fmt.Sprintf("%s no longer imports %s: remove the exception from archtest.Rules", r.Pkg, e))
			}
		}
	}
	return unused
}

// match reports whether pkg is pattern, or under it when pattern ends in
// "/...". Path elements match whole: "host/..." does not cover "hostile".
func match(pattern, pkg string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
	}
	return pkg == pattern
}

func matchesAny(patterns []string, pkg string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(p, pkg) })
}

// relative returns path relative to the module, and whether it is in it.
func relative(path string) (string, bool) {
	if path == Module {
		return "", true
	}
	rest, ok := strings.CutPrefix(path, Module+"/")
	return rest, ok
}

// isStandard reports whether an import path names a standard-library
// package: its first element has no dot.
func isStandard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") // "C" (cgo) counts: the VM may not use it
}

// Importers returns the rules whose May lets them import pkg: who may
// import it, as the table says.
func Importers(rules []Rule, pkg string) []string {
	var who []string
	for _, r := range rules {
		if matchesAny(r.May, pkg) && !match(r.Pkg, pkg) {
			who = append(who, r.Pkg)
		}
	}
	return who
}
