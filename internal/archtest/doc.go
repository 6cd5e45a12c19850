// Package archtest enforces the import rules of docs/ARCHITECTURE.md.
//
// Rules (rules.go) is the one table of which project packages each part of
// the module may import, in production and in test files, and, for the VM,
// which standard packages (an allow-list: the VM never touches the OS, the
// wall clock or ambient randomness). Who may import a package is read from
// that table and written nowhere else. Check (check.go) applies the table to
// a list of packages and reads nothing else, so its own tests show that it
// fails on a plugin importing another plugin, on generated protobuf code
// imported from outside sdk, and on a VM import off the allow-list; the test
// TestImportRules feeds it the module as `go list` sees it on Linux and on
// macOS.
//
// Invariants: a new package is covered by its parent's "/..." rule unless it
// gets its own; an exception is a row with Except that names one package and
// the few imports it adds, says in Why what would remove it, and fails the
// test once nothing uses it. The package imports nothing of the project.
package archtest
