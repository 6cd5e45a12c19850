// Package threshold signs for an authority whose FROST key its devices
// hold — each device's signing share in its crypto plugin under a handle,
// after the DKG of examples/protocols/frost_dkg.hcl. A Signer is the
// coordinator's side of RFC 9591 signing: it chooses the coordinator and t
// available devices, runs both rounds through each device's crypto client,
// checks every signature share against its device's verifying share before
// aggregating, and signs again without a device that failed or cheated,
// until t honest devices have signed or too few remain. With t = 1 one
// device signs alone. When the coordinating device offers a journal, each
// signature is journaled there as a fact its device key signs.
//
// The devices are reached through their crypto clients (facade.Crypto over
// each agent's router), so every call passes the device's own router and
// guard chain; a Signer in one process reaches devices in that process (the
// agents of a simulation or a group). Across machines the same rounds are a
// choreography over the transport, which this package does not run.
//
// The package imports only effects and effects/facade from the project.
package threshold

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

// PurposeSigned is the device.sign purpose of a journaled signature fact.
const PurposeSigned = "threshold-signed"

// Device is one device of the authority.
type Device struct {
	Name   string         // how errors and results name it
	Crypto *facade.Crypto // its crypto plugin, through its router
	Key    string         // the handle of the key it holds
	// Journal and Signer, if set, let the device journal the signatures it
	// coordinates, each fact signed by its device key.
	Journal *facade.Journal
	Signer  *facade.Device
}

// Status is the authority's threshold key as its devices describe it.
type Status struct {
	GroupPublic     []byte // the authority's Ed25519 public key
	Threshold       int    // t
	Participants    int    // n
	Epoch           uint64
	VerifyingShares []facade.FrostVerifyingShare
	Identifiers     map[string]uint64 // each device's participant identifier
}

// Signer coordinates threshold signatures over a fixed set of devices.
type Signer struct {
	devices []Device
	ids     []uint64
	status  Status
}

// New reads each device's held key and checks they are one active key: the
// same group key, threshold, participants, epoch and verifying shares, and
// distinct identifiers.
func New(ctx context.Context, devices []Device) (*Signer, error) {
	if len(devices) == 0 {
		return nil, errors.New("threshold: no devices")
	}
	s := &Signer{devices: devices, status: Status{Identifiers: map[string]uint64{}}}
	for i, d := range devices {
		k, err := d.Crypto.FrostKeyInfo(ctx, d.Key)
		if err != nil {
			return nil, fmt.Errorf("threshold: device %s, key %s: %w", d.Name, d.Key, err)
		}
		if k.State != "active" {
			return nil, fmt.Errorf("threshold: device %s's key %s is %s, not active: finish (or commit) its ceremony first", d.Name, d.Key, k.State)
		}
		if i == 0 {
			s.status.GroupPublic, s.status.Threshold, s.status.Participants = k.GroupPublic, k.Threshold, k.Participants
			s.status.Epoch, s.status.VerifyingShares = k.Epoch, k.VerifyingShares
		} else if err := s.sameKey(d.Name, k); err != nil {
			return nil, err
		}
		if prev := slices.Index(s.ids, k.Identifier); prev >= 0 {
			return nil, fmt.Errorf("threshold: devices %s and %s are both participant %d", devices[prev].Name, d.Name, k.Identifier)
		}
		s.ids = append(s.ids, k.Identifier)
		s.status.Identifiers[d.Name] = k.Identifier
	}
	return s, nil
}

func (s *Signer) sameKey(name string, k facade.FrostHeldKey) error {
	switch {
	case string(k.GroupPublic) != string(s.status.GroupPublic):
		return fmt.Errorf("threshold: device %s holds a share of group key %x, device %s of %x", name, k.GroupPublic, s.devices[0].Name, s.status.GroupPublic)
	case k.Epoch != s.status.Epoch:
		return fmt.Errorf("threshold: device %s's key is of epoch %d, device %s's of epoch %d", name, k.Epoch, s.devices[0].Name, s.status.Epoch)
	case k.Threshold != s.status.Threshold || k.Participants != s.status.Participants:
		return fmt.Errorf("threshold: device %s's key is %d-of-%d, device %s's %d-of-%d", name, k.Threshold, k.Participants,
			s.devices[0].Name, s.status.Threshold, s.status.Participants)
	case !slices.EqualFunc(k.VerifyingShares, s.status.VerifyingShares, func(a, b facade.FrostVerifyingShare) bool {
		return a.Identifier == b.Identifier && string(a.Public) == string(b.Public)
	}):
		return fmt.Errorf("threshold: device %s's verifying shares differ from device %s's: their ceremony did not agree", name, s.devices[0].Name)
	}
	return nil
}

// Status describes the authority's key.
func (s *Signer) Status() Status { return s.status }

// Exclusion is a device a signature went on without.
type Exclusion struct {
	Device  string
	Cheated bool   // its signature share did not verify
	Reason  string // what happened
}

// Signature is a threshold signature and how it was made.
type Signature struct {
	Signature   []byte      // 64 bytes: an Ed25519 signature by Status().GroupPublic
	Coordinator string      // the device that coordinated
	Signers     []string    // the t devices whose shares it combines
	Excluded    []Exclusion // devices left out on the way, in order
	Fact        []byte      // the journaled fact's ID, when the coordinator journals
}

// TooFewError is a signature that could not be made: fewer than the
// threshold of devices remained.
type TooFewError struct {
	Need, Have int
	Excluded   []Exclusion
}

func (e *TooFewError) Error() string {
	var parts []string
	for _, x := range e.Excluded {
		parts = append(parts, x.Device+": "+x.Reason)
	}
	return fmt.Sprintf("threshold: %d devices must sign and only %d remain (left out: %s)", e.Need, e.Have, strings.Join(parts, "; "))
}

// Sign signs msg with t devices. The coordinator is the first device not
// left out; the signers are it and the next ones. A device whose call
// fails, or whose signature share does not verify against its verifying
// share, is left out and the signature is made again with the others.
func (s *Signer) Sign(ctx context.Context, msg []byte) (Signature, error) {
	if bytes.HasPrefix(msg, []byte(GroupSigningDomain+"\x00")) {
		return Signature{}, fmt.Errorf("threshold: a message in the group-statement domain (%q) is signed only through Attest", GroupSigningDomain)
	}
	return s.sign(ctx, msg)
}

func (s *Signer) sign(ctx context.Context, msg []byte) (Signature, error) {
	out := Signature{}
	left := map[int]bool{}
	for {
		var chosen []int
		for i := range s.devices {
			if !left[i] && len(chosen) < s.status.Threshold {
				chosen = append(chosen, i)
			}
		}
		if len(chosen) < s.status.Threshold {
			return out, &TooFewError{Need: s.status.Threshold, Have: len(chosen), Excluded: out.Excluded}
		}
		sig, failed, err := s.attempt(ctx, chosen, msg)
		if err != nil {
			return out, err
		}
		if len(failed) == 0 {
			out.Signature = sig
			out.Coordinator = s.devices[chosen[0]].Name
			for _, i := range chosen {
				out.Signers = append(out.Signers, s.devices[i].Name)
			}
			out.Fact, err = s.journal(ctx, s.devices[chosen[0]], msg, out)
			return out, err
		}
		for _, f := range failed {
			left[f.index] = true
			out.Excluded = append(out.Excluded, f.Exclusion)
		}
	}
}

// failure is a device left out of an attempt.
type failure struct {
	index int
	Exclusion
}

// attempt runs both rounds with the chosen devices (the first
// coordinates). It returns the signature, or the devices that failed; err
// only for what no other device would change (a cancelled context, the
// coordinator's own package or aggregate failing).
func (s *Signer) attempt(ctx context.Context, chosen []int, msg []byte) ([]byte, []failure, error) {
	fail := func(i int, cheated bool, err error) []failure {
		return []failure{{index: i, Exclusion: Exclusion{Device: s.devices[i].Name, Cheated: cheated, Reason: err.Error()}}}
	}
	coord := s.devices[chosen[0]]
	round1 := make([]facade.FrostHeldRound1, len(chosen))
	commitments := make([]facade.FrostCommitment, len(chosen))
	for j, i := range chosen {
		r, err := s.devices[i].Crypto.FrostKeyNonces(ctx, s.devices[i].Key)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, fail(i, false, fmt.Errorf("round one: %w", err)), nil
		}
		round1[j], commitments[j] = r, r.Commitment
	}
	pkg, err := coord.Crypto.FrostSigningPackage(ctx, msg, commitments, s.status.GroupPublic, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, fail(chosen[0], false, fmt.Errorf("signing package: %w", err)), nil
	}
	shares := make([]facade.FrostSignatureShare, len(chosen))
	for j, i := range chosen {
		if shares[j], err = s.devices[i].Crypto.FrostKeySignShare(ctx, s.devices[i].Key, pkg, round1[j].Nonces); err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, fail(i, false, fmt.Errorf("round two: %w", err)), nil
		}
		if shares[j].Identifier != s.ids[i] {
			return nil, fail(i, true, fmt.Errorf("its share names participant %d, it is %d", shares[j].Identifier, s.ids[i])), nil
		}
	}
	bad, err := coord.Crypto.FrostVerifyShares(ctx, pkg, shares, s.status.VerifyingShares)
	if err != nil {
		return nil, nil, fmt.Errorf("threshold: coordinator %s checking the shares: %w", coord.Name, err)
	}
	var failed []failure
	for _, id := range bad {
		i := slices.Index(s.ids, id)
		failed = append(failed, fail(i, true, fmt.Errorf("its signature share does not verify against its verifying share"))...)
	}
	if len(failed) > 0 {
		return nil, failed, nil
	}
	sig, err := coord.Crypto.FrostAggregate(ctx, pkg, shares, s.status.VerifyingShares)
	if err != nil {
		return nil, nil, fmt.Errorf("threshold: coordinator %s aggregating checked shares: %w", coord.Name, err)
	}
	return sig, nil, nil
}

// journal records the signature in the coordinator's journal, signed by its
// device key, if it offers both.
func (s *Signer) journal(ctx context.Context, coord Device, msg []byte, out Signature) ([]byte, error) {
	if coord.Journal == nil || coord.Signer == nil {
		return nil, nil
	}
	digest := blake3.Sum256(msg)
	signers := make([]effects.Value, len(out.Signers))
	for i, n := range out.Signers {
		signers[i] = effects.String(n)
	}
	excluded := make([]effects.Value, len(out.Excluded))
	for i, x := range out.Excluded {
		excluded[i] = effects.Map(map[string]effects.Value{"device": effects.String(x.Device), "cheated": effects.Bool(x.Cheated), "reason": effects.String(x.Reason)})
	}
	body := effects.Map(map[string]effects.Value{
		"group_public": effects.Bytes(s.status.GroupPublic), "epoch": effects.Uint(s.status.Epoch),
		"message_blake3": effects.Bytes(digest[:]), "signature": effects.Bytes(out.Signature),
		"coordinator": effects.String(out.Coordinator), "signers": effects.List(signers...), "excluded": effects.List(excluded...),
	})
	deviceSig, err := coord.Signer.Sign(ctx, PurposeSigned, body.Canonical())
	if err != nil {
		return nil, fmt.Errorf("threshold: signed, but device %s could not sign the journal fact: %w", coord.Name, err)
	}
	id, err := coord.Journal.AppendFact(ctx, facade.Fact{Type: "threshold", Authority: effects.Bytes(s.status.GroupPublic),
		Predicate: "threshold.signed", Body: body, Extra: map[string]effects.Value{"device_signature": effects.Bytes(deviceSig)}})
	if err != nil {
		return nil, fmt.Errorf("threshold: signed, but device %s could not journal it: %w", coord.Name, err)
	}
	return id[:], nil
}

// GroupSigningDomain separates statements the group key signs (Attest)
// from any other message it may sign.
const GroupSigningDomain = "aura-group-sign/v1"

// PurposeDeviceSet is the purpose of the device-set attestation.
const PurposeDeviceSet = "device-set"

// GroupSigningMessage is the bytes the group key signs to attest body for
// purpose: the domain, the purpose and the body, NUL-separated, so that a
// statement made for one purpose cannot pass for another or for a plain
// message. Signer.Sign refuses messages in this domain; the crypto
// plugin's signing operations do not know it, so a caller that drives
// them directly (a signing choreography) could still sign such bytes
// (docs/SECURITY.md).
func GroupSigningMessage(purpose string, body []byte) []byte {
	out := make([]byte, 0, len(GroupSigningDomain)+2+len(purpose)+len(body))
	out = append(append(append(out, GroupSigningDomain...), 0), purpose...)
	return append(append(out, 0), body...)
}

// Attestation is a statement the authority's group key signed: the
// authority itself, t of its devices together, vouches for body.
type Attestation struct {
	Purpose   string
	Body      effects.Value
	Signature []byte // Ed25519 by the group key over GroupSigningMessage(Purpose, Body's canonical bytes)
	Signed    Signature
}

// Verify reports whether a is signed by groupPublic.
func (a Attestation) Verify(groupPublic []byte) bool {
	return len(groupPublic) == ed25519.PublicKeySize &&
		ed25519.Verify(groupPublic, GroupSigningMessage(a.Purpose, a.Body.Canonical()), a.Signature)
}

// Attest has t devices sign body for purpose with the group key, as Sign
// signs a message (the coordinator journals the signature).
func (s *Signer) Attest(ctx context.Context, purpose string, body effects.Value) (Attestation, error) {
	if err := effects.CheckPurpose(purpose); err != nil {
		return Attestation{}, fmt.Errorf("threshold: %w", err)
	}
	sig, err := s.sign(ctx, GroupSigningMessage(purpose, body.Canonical()))
	if err != nil {
		return Attestation{}, err
	}
	return Attestation{Purpose: purpose, Body: body, Signature: sig.Signature, Signed: sig}, nil
}

// AttestDeviceSet has the group key sign the device set of this Signer's
// devices (give it every device of the authority): the epoch, t, n, and
// each device's participant
// identifier and device public key (asked of each device's own
// device.public_key), sorted by identifier. What auth and recovery would
// anchor a device set on; they do not read it yet.
func (s *Signer) AttestDeviceSet(ctx context.Context) (Attestation, error) {
	if len(s.devices) != s.status.Participants {
		return Attestation{}, fmt.Errorf("threshold: the device set has %d devices and this Signer %d: give it every device to attest the set", s.status.Participants, len(s.devices))
	}
	members := make([]effects.Value, 0, len(s.devices))
	order := make([]int, len(s.devices))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(s.ids[a], s.ids[b]) })
	for _, i := range order {
		d := s.devices[i]
		if d.Signer == nil {
			return Attestation{}, fmt.Errorf("threshold: device %s offers no device key to attest", d.Name)
		}
		pub, err := d.Signer.PublicKey(ctx, "")
		if err != nil {
			return Attestation{}, fmt.Errorf("threshold: device %s's key: %w", d.Name, err)
		}
		members = append(members, effects.Map(map[string]effects.Value{
			"identifier": effects.Uint(s.ids[i]), "name": effects.String(d.Name), "device_key": effects.Bytes(pub)}))
	}
	body := effects.Map(map[string]effects.Value{
		"group_public": effects.Bytes(s.status.GroupPublic), "epoch": effects.Uint(s.status.Epoch),
		"threshold": effects.Int(int64(s.status.Threshold)), "participants": effects.Int(int64(s.status.Participants)),
		"devices": effects.List(members...)})
	return s.Attest(ctx, PurposeDeviceSet, body)
}
