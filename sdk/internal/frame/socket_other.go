//go:build !linux

package frame

import "errors"

// rawSocketIO says socketIO uses net.Conn's methods here.
const rawSocketIO = false

func sysRead(uintptr, []byte) (int, error)  { return 0, errors.ErrUnsupported }
func sysWrite(uintptr, []byte) (int, error) { return 0, errors.ErrUnsupported }
