package agent

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// DeviceProvider is the provider name the device family is registered
// under: the agent runtime itself, not a plugin.
const DeviceProvider = "agent"

// device serves the device family (effects.DeviceOps) in process with the
// agent's device key. It is how a service plugin gets a signature from the
// device without ever holding its private key: the plugin calls
// device.sign through its host callback, the Router scopes the call to the
// agent's authority, and this handler signs the purpose-prefixed message.
//
// The trust anchor for other authorities' device keys is the deployment's
// peer keys (Config.PeerKeys): device.public_key with an authority answers
// from them, and nothing else.
type device struct {
	authority effects.AuthorityID
	key       ed25519.PrivateKey
	peers     func(effects.AuthorityID) (ed25519.PublicKey, bool)
}

func (d *device) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if err := ctx.Err(); err != nil {
		return effects.Value{}, err
	}
	if !call.Authority.IsZero() && call.Authority != d.authority {
		// The Router refuses such calls first; this holds if it ever did not.
		return effects.Value{}, &effects.Error{Code: effects.CodeDenied, Op: call.Op,
			Message: fmt.Sprintf("this device belongs to %s, the call names %s", d.authority, call.Authority)}
	}
	switch call.Op {
	case effects.DeviceSign:
		msg, okMsg := call.Arg("message").AsBytes()
		purpose, okPurpose := call.Arg("purpose").AsString()
		if !okMsg || !okPurpose {
			return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op, Message: "message must be bytes and purpose a string"}
		}
		if err := effects.CheckPurpose(purpose); err != nil {
			return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op, Message: err.Error()}
		}
		return effects.Bytes(ed25519.Sign(d.key, effects.DeviceSigningMessage(purpose, msg))), nil
	case effects.DevicePublicKey:
		own := d.key.Public().(ed25519.PublicKey)
		a := call.Arg("authority")
		if a.IsNull() {
			return effects.Bytes(own), nil
		}
		s, _ := a.AsString()
		id, err := effects.ParseAuthorityID(s)
		if err != nil {
			return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op, Message: fmt.Sprintf("authority: %v", err)}
		}
		if id == d.authority {
			return effects.Bytes(own), nil
		}
		if d.peers != nil {
			if pub, ok := d.peers(id); ok && len(pub) == ed25519.PublicKeySize {
				return effects.Bytes(pub), nil
			}
		}
		return effects.Value{}, &effects.Error{Code: effects.CodeNotFound, Op: call.Op,
			Message: fmt.Sprintf("no device key is known for %s: the deployment's peer keys name none", id)}
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op}
}
