package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// Device is the client of the device family, which the agent runtime
// serves in process with the agent's device key (the key never leaves the
// host). Sign signs under a purpose — effects.DeviceSigningMessage(purpose,
// message) — so a signature made for one use cannot be passed off as
// another; the built-in services' purposes are effects.Purpose*.
type Device struct{ c caller }

var (
	opDeviceSign = declare("Device.Sign", effects.DeviceSign, effects.KindBytes,
		arg("message", effects.KindBytes), arg("purpose", effects.KindString))
	opDevicePublicKey = declare("Device.PublicKey", effects.DevicePublicKey, effects.KindBytes, opt("authority", effects.KindString))
)

// Sign returns the device's 64-byte signature of message for purpose.
func (x *Device) Sign(ctx context.Context, purpose string, message []byte) ([]byte, error) {
	v, err := x.c.invoke(ctx, opDeviceSign, map[string]effects.Value{"message": effects.Bytes(message), "purpose": effects.String(purpose)})
	if err != nil {
		return nil, err
	}
	return decodeBytes(opDeviceSign, v, SignatureSize)
}

// PublicKey returns a 32-byte device key: the agent's own (authority ""),
// or the one the deployment knows for authority; an authority whose key
// is unknown matches effects.ErrNotFound.
func (x *Device) PublicKey(ctx context.Context, authority string) ([]byte, error) {
	var args map[string]effects.Value
	if authority != "" {
		args = map[string]effects.Value{"authority": effects.String(authority)}
	}
	v, err := x.c.invoke(ctx, opDevicePublicKey, args)
	if err != nil {
		return nil, err
	}
	return decodeBytes(opDevicePublicKey, v, PublicKeySize)
}
