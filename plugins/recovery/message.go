package recovery

import (
	"context"
	"strings"

	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// ApprovalDomain starts every approval message; the version changes if the
// message's layout ever does.
const ApprovalDomain = "aura-recovery-approval/v1"

// ApprovalMessage returns the bytes a guardian signs to approve the
// recovery request recoveryID, which asks for operation on account:
//
//	"aura-recovery-approval/v1" 0x00 recoveryID 0x00 operation 0x00 account
//
// The fields must not contain NUL bytes (the service refuses such
// requests), so the message is unambiguous.
func ApprovalMessage(recoveryID, operation, account string) []byte {
	return []byte(ApprovalDomain + "\x00" + recoveryID + "\x00" + operation + "\x00" + account)
}

func validOperation(op string) bool {
	switch op {
	case OperationReplaceTree, OperationAddDevice, OperationRemoveDevice, OperationUpdateGuardians:
		return true
	}
	return false
}

func checkOperation(op string) error {
	if !validOperation(op) {
		return service.Invalid("operation must be %q, %q, %q or %q, got %q",
			OperationReplaceTree, OperationAddDevice, OperationRemoveDevice, OperationUpdateGuardians, op)
	}
	return nil
}

// checkNoNUL rejects a message field that would make the message ambiguous.
func checkNoNUL(name, value string) error {
	if strings.ContainsRune(value, 0) {
		return service.Invalid("%s must not contain a NUL byte", name)
	}
	return nil
}

func approvalMessage(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	r := service.Read(c.Args, "arguments")
	id, op, account := r.String("recovery_id"), r.String("operation"), r.String("account")
	if err := r.Err(); err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	if err := checkOperation(op); err != nil {
		return sdk.Value{}, err
	}
	for _, f := range [][2]string{{"recovery_id", id}, {"account", account}} {
		if err := checkNoNUL(f[0], f[1]); err != nil {
			return sdk.Value{}, err
		}
	}
	return sdk.Bytes(ApprovalMessage(id, op, account)), nil
}
