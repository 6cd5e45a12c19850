// Package archtest holds the test that enforces the import rules of
// docs/ARCHITECTURE.md: which project packages each layer may import, that
// nothing but the CLI imports host, and that the VM never touches the OS.
package archtest
