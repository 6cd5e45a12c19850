//go:build !linux

package sdk

import (
	"errors"
	"io/fs"
	"net"
)

// rawSocketIO says socketIO uses net.Conn's methods here.
const rawSocketIO = false

func sysRead(uintptr, []byte) (int, error)  { return 0, errors.ErrUnsupported }
func sysWrite(uintptr, []byte) (int, error) { return 0, errors.ErrUnsupported }

// checkPeer cannot read peer credentials portably here; the token and the
// host's private directory are the data plane's only guards on this system.
func checkPeer(*net.UnixConn, int) error { return nil }

// checkOwner relies on the directory's mode alone on this system.
func checkOwner(fs.FileInfo) error { return nil }
