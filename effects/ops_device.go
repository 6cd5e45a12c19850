package effects

import (
	"fmt"
	"strings"
)

// Operations of the device family. No plugin serves them: the agent
// runtime (host/agent) registers them in process, with the agent's device
// key, so that the private key never leaves the host process. Plugins
// reach them through their host callback (sdk.HostClient → Router), scoped
// to the authority they act for.
const (
	// DeviceSign signs DeviceSigningMessage(purpose, message) with the
	// agent's device key and returns the 64-byte Ed25519 signature.
	DeviceSign OpID = "device.sign"
	// DevicePublicKey returns a device public key (32 bytes): the agent's
	// own, or — with an authority argument — the key the deployment knows
	// for that authority (its peer keys); not_found when none is known.
	DevicePublicKey OpID = "device.public_key"
)

// The signing purposes the built-in services use with DeviceSign. A
// signature made for one purpose never verifies as one for another,
// because the purpose is part of the signed bytes.
const (
	// PurposeInvitation signs an invitation's canonical body.
	PurposeInvitation = "invitation"
	// PurposeInvitationAnswer signs an acceptance, a decline or a
	// cancellation of an invitation.
	PurposeInvitationAnswer = "invitation-answer"
	// PurposeDeviceEnrolment signs the enrolment of a key in an authority's
	// device set.
	PurposeDeviceEnrolment = "device-enrolment"
	// PurposeAuthChallenge signs the nonce of an auth challenge.
	PurposeAuthChallenge = "auth-challenge"
	// PurposeGuardianSet signs an authority's guardian set.
	PurposeGuardianSet = "guardian-set"
	// PurposeRecoveryApproval signs a guardian's approval of a recovery.
	PurposeRecoveryApproval = "recovery-approval"
)

// DeviceSigningDomain starts every message a device key signs through
// DeviceSign; the version changes if the layout ever does.
const DeviceSigningDomain = "aura-device-sign/v1"

// DeviceSigningMessage returns the bytes a device key signs for message
// under purpose:
//
//	"aura-device-sign/v1" 0x00 purpose 0x00 message
//
// The purpose must be non-empty and free of NUL bytes (CheckPurpose), so
// the prefix is unambiguous: a signature for one purpose cannot be
// replayed as one for another, nor as a receipt (whose transcript has its
// own, different prefix).
func DeviceSigningMessage(purpose string, message []byte) []byte {
	out := make([]byte, 0, len(DeviceSigningDomain)+2+len(purpose)+len(message))
	out = append(out, DeviceSigningDomain...)
	out = append(out, 0)
	out = append(out, purpose...)
	out = append(out, 0)
	return append(out, message...)
}

// CheckPurpose reports whether purpose may name a signing purpose:
// non-empty, at most 64 bytes, without NUL bytes.
func CheckPurpose(purpose string) error {
	switch {
	case purpose == "":
		return fmt.Errorf("purpose must not be empty: it separates what a signature may be used for")
	case len(purpose) > 64:
		return fmt.Errorf("purpose is %d bytes, more than 64", len(purpose))
	case strings.ContainsRune(purpose, 0):
		return fmt.Errorf("purpose must not contain a NUL byte")
	}
	return nil
}

// DeviceOps are the declarations of the device family, which the agent
// runtime registers.
func DeviceOps() []OpSpec {
	return []OpSpec{
		{
			ID: DeviceSign,
			Doc: "Signs " + DeviceSigningDomain + " 0x00 purpose 0x00 message with the agent's device key and returns " +
				"the 64-byte Ed25519 signature. The private key never leaves the host.",
			Params: []Param{
				{Name: "message", Kind: KindBytes, Doc: "the bytes to sign"},
				{Name: "purpose", Kind: KindString, Doc: "what the signature is for (e.g. \"invitation\"): non-empty, no NUL bytes, at most 64 bytes"},
			},
			Result:      KindBytes,
			Idempotent:  true,
			Determinism: Pure,
		},
		{
			ID: DevicePublicKey,
			Doc: "Returns a 32-byte Ed25519 device public key: the agent's own, or with authority the key the " +
				"deployment knows for that authority (its peer keys); an authority with no known key is not_found.",
			Params: []Param{
				{Name: "authority", Kind: KindString, Optional: true, Doc: "an authority id (\"authority-…\"); absent: this agent's own key"},
			},
			Result:      KindBytes,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
	}
}
