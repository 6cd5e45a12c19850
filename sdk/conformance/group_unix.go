//go:build unix

package conformance

import (
	"os/exec"
	"syscall"
)

// ownGroup starts the process in a process group of its own, so that the
// suite can kill what it started and see what it left behind.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

func groupAlive(pgid int) bool { return syscall.Kill(-pgid, 0) == nil }

func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }
