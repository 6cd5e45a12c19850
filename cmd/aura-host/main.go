// Command aura-host runs Aura Host deployments: it reads an HCL deployment
// file, launches its plugins as supervised processes, and routes effect
// calls to them. Run `aura-host --help` for the commands.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	root := newRootCommand()
	root.SetArgs(terraformFlags(os.Args[1:]))
	if err := root.Execute(); err != nil {
		var exit *exitError
		if errors.As(err, &exit) {
			os.Exit(exit.code)
		}
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

// exitError ends the program with a status code after its message (if
// any) has already been printed.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
