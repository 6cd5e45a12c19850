package descriptor

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// Domain starts the bytes a descriptor signature covers; the version
// changes if the layout ever does.
const Domain = "aura-descriptor/v1\x00"

// Bounds of a descriptor, so that a hostile one costs little to refuse and
// fits a rendezvous entry (64 KiB) many times over.
const (
	// MaxAddresses bounds the addresses of a descriptor.
	MaxAddresses = 16
	// MaxRelays bounds its relay addresses.
	MaxRelays = 8
	// MaxAddressBytes bounds one address (or relay address).
	MaxAddressBytes = 256
	// MaxValidityMS bounds expires_ms - issued_ms: one day, so that a
	// descriptor that leaks cannot direct peers for long.
	MaxValidityMS = 24 * 60 * 60 * 1000
	// MaxClockSkewMS is how far in the future issued_ms may be, for clocks
	// that disagree: five minutes.
	MaxClockSkewMS = 5 * 60 * 1000
)

// Wire field names.
const (
	fieldAuthority = "authority"
	fieldDeviceKey = "device_key"
	fieldAddresses = "addresses"
	fieldRelays    = "relays"
	fieldIssued    = "issued_ms"
	fieldExpires   = "expires_ms"
	fieldSeq       = "seq"
	fieldSignature = "signature"
)

// Descriptor is what a device says about how to reach it: the unsigned
// fields of the wire form.
type Descriptor struct {
	// Authority is the authority the device belongs to.
	Authority effects.AuthorityID
	// DeviceKey is the device's Ed25519 public key, its transport identity
	// (libp2p peer ID) and the key that signs the descriptor.
	DeviceKey ed25519.PublicKey
	// Addresses are where the device listens, "host:port" or multiaddrs:
	// at least one, at most MaxAddresses, each at most MaxAddressBytes of
	// printable ASCII, no duplicates.
	Addresses []string
	// Relays are addresses through which the device may be reached when
	// it cannot be dialled directly; optional, at most MaxRelays.
	Relays []string
	// IssuedMS and ExpiresMS bound when the descriptor holds, in
	// milliseconds since the Unix epoch: IssuedMS < ExpiresMS <= IssuedMS
	// + MaxValidityMS.
	IssuedMS, ExpiresMS int64
	// Seq orders the descriptors of one device: a later one has a higher
	// Seq. A signer that keeps no counter uses IssuedMS.
	Seq int64
}

// Signed is a descriptor and its device key's signature.
type Signed struct {
	Descriptor
	// Signature is the Ed25519 signature by DeviceKey over Message().
	Signature []byte
}

// PeerName is how the transport names the descriptor's authority: the
// lower-case hex of its 16 bytes (the name a bytes destination resolves
// to, and the name the simulation driver gives an agent's peer).
func (d Descriptor) PeerName() string { return hex.EncodeToString(d.Authority[:]) }

// Value is the unsigned wire form: the map the signature covers.
func (d Descriptor) Value() effects.Value {
	m := map[string]effects.Value{
		fieldAuthority: effects.Bytes(d.Authority[:]),
		fieldDeviceKey: effects.Bytes(d.DeviceKey),
		fieldAddresses: stringValues(d.Addresses),
		fieldIssued:    effects.Int(d.IssuedMS),
		fieldExpires:   effects.Int(d.ExpiresMS),
		fieldSeq:       effects.Int(d.Seq),
	}
	if len(d.Relays) > 0 {
		m[fieldRelays] = stringValues(d.Relays)
	}
	return effects.Map(m)
}

// Message is the bytes the device key signs: Domain, then the canonical
// encoding of Value.
func (d Descriptor) Message() []byte {
	return d.Value().AppendCanonical([]byte(Domain))
}

// Check reports the first field that breaks the rules of the wire form,
// as an *Error matching ErrMalformed.
func (d Descriptor) Check() error {
	switch {
	case d.Authority.IsZero():
		return malformed(fieldAuthority, "must not be zero")
	case len(d.DeviceKey) != ed25519.PublicKeySize:
		return malformed(fieldDeviceKey, fmt.Sprintf("an Ed25519 public key has %d bytes, got %d", ed25519.PublicKeySize, len(d.DeviceKey)))
	case len(d.Addresses) == 0:
		return malformed(fieldAddresses, "at least one address is needed: the descriptor says how to reach the device")
	case d.IssuedMS < 0:
		return malformed(fieldIssued, fmt.Sprintf("must not be negative, got %d", d.IssuedMS))
	case d.ExpiresMS <= d.IssuedMS:
		return malformed(fieldExpires, fmt.Sprintf("%d is not after issued_ms %d", d.ExpiresMS, d.IssuedMS))
	case d.ExpiresMS-d.IssuedMS > MaxValidityMS:
		return malformed(fieldExpires, fmt.Sprintf("valid for %d ms, more than the %d allowed", d.ExpiresMS-d.IssuedMS, MaxValidityMS))
	case d.Seq < 0:
		return malformed(fieldSeq, fmt.Sprintf("must not be negative, got %d", d.Seq))
	}
	if err := checkAddresses(fieldAddresses, d.Addresses, MaxAddresses); err != nil {
		return err
	}
	return checkAddresses(fieldRelays, d.Relays, MaxRelays)
}

func checkAddresses(field string, addrs []string, limit int) error {
	if len(addrs) > limit {
		return malformed(field, fmt.Sprintf("%d entries, more than the %d allowed", len(addrs), limit))
	}
	for i, a := range addrs {
		at := fmt.Sprintf("%s[%d]", field, i)
		if a == "" || len(a) > MaxAddressBytes {
			return malformed(at, fmt.Sprintf("an address has 1 to %d bytes, got %d", MaxAddressBytes, len(a)))
		}
		for j := 0; j < len(a); j++ {
			if a[j] <= ' ' || a[j] > '~' {
				return malformed(at, fmt.Sprintf("byte %d is 0x%02x: an address is printable ASCII without spaces", j, a[j]))
			}
		}
		if slices.Contains(addrs[:i], a) {
			return malformed(at, fmt.Sprintf("%q is listed twice", a))
		}
	}
	return nil
}

// Signer signs with a device key it may keep to itself (guard.Signer and
// guard.KeySigner satisfy it).
type Signer interface {
	PublicKey() ed25519.PublicKey
	Sign(ctx context.Context, msg []byte) ([]byte, error)
}

// Sign signs d with the device's private key. A descriptor without a
// DeviceKey takes priv's public key; one with another key is refused
// (ErrWrongKey), as is a malformed one.
func Sign(priv ed25519.PrivateKey, d Descriptor) (Signed, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return Signed{}, &Error{Field: "private key", Reason: fmt.Sprintf("an Ed25519 private key has %d bytes, got %d", ed25519.PrivateKeySize, len(priv)), Err: ErrWrongKey}
	}
	return SignWith(context.Background(), keySigner(priv), d)
}

// keySigner signs in memory; it never blocks, so it ignores ctx.
type keySigner ed25519.PrivateKey

func (k keySigner) PublicKey() ed25519.PublicKey {
	return ed25519.PrivateKey(k).Public().(ed25519.PublicKey)
}

func (k keySigner) Sign(_ context.Context, msg []byte) ([]byte, error) {
	return ed25519.Sign(ed25519.PrivateKey(k), msg), nil
}

// SignWith signs d with s, like Sign, and checks the signature before
// returning it, so a faulty signer never yields a descriptor that will
// not verify.
func SignWith(ctx context.Context, s Signer, d Descriptor) (Signed, error) {
	pub := s.PublicKey()
	if d.DeviceKey == nil {
		d.DeviceKey = pub
	}
	if !bytes.Equal(d.DeviceKey, pub) {
		return Signed{}, &Error{Field: fieldDeviceKey, Reason: fmt.Sprintf("the descriptor names %x, the signer holds %x", []byte(d.DeviceKey), []byte(pub)), Err: ErrWrongKey}
	}
	d = d.clone()
	if err := d.Check(); err != nil {
		return Signed{}, err
	}
	sig, err := s.Sign(ctx, d.Message())
	if err != nil {
		return Signed{}, fmt.Errorf("signing a descriptor: %w", err)
	}
	out := Signed{Descriptor: d, Signature: sig}
	if err := out.checkSignature(); err != nil {
		return Signed{}, fmt.Errorf("the signer made a signature that does not verify: %w", err)
	}
	return out, nil
}

func (d Descriptor) clone() Descriptor {
	d.DeviceKey = slices.Clone(d.DeviceKey)
	d.Addresses = slices.Clone(d.Addresses)
	if len(d.Relays) == 0 {
		d.Relays = nil
	} else {
		d.Relays = slices.Clone(d.Relays)
	}
	return d
}

// Value is the signed wire form.
func (s Signed) Value() effects.Value {
	fields := s.Descriptor.Value().Fields()
	fields = append(fields, effects.Field{Key: fieldSignature, Value: effects.Bytes(s.Signature)})
	v, err := effects.MapOf(fields...)
	if err != nil {
		panic(err) // the keys are this package's constants, distinct
	}
	return v
}

// Verify checks the signature, then the time: it fails with
// ErrBadSignature, ErrExpired (nowMS >= ExpiresMS) or ErrNotYetValid
// (IssuedMS > nowMS + MaxClockSkewMS).
func (s Signed) Verify(nowMS int64) error {
	if err := s.Check(); err != nil {
		return err
	}
	if err := s.checkSignature(); err != nil {
		return err
	}
	switch {
	case nowMS >= s.ExpiresMS:
		return &Error{Field: fieldExpires, Reason: fmt.Sprintf("expired at %d ms, it is %d ms", s.ExpiresMS, nowMS), Err: ErrExpired}
	case s.IssuedMS-nowMS > MaxClockSkewMS:
		return &Error{Field: fieldIssued, Reason: fmt.Sprintf("issued at %d ms, it is %d ms: more than %d ms ahead", s.IssuedMS, nowMS, MaxClockSkewMS), Err: ErrNotYetValid}
	}
	return nil
}

func (s Signed) checkSignature() error {
	if len(s.Signature) != ed25519.SignatureSize || len(s.DeviceKey) != ed25519.PublicKeySize ||
		!ed25519.Verify(s.DeviceKey, s.Message(), s.Signature) {
		return &Error{Field: fieldSignature, Reason: "not a signature of these fields by device_key", Err: ErrBadSignature}
	}
	return nil
}

// Verify parses a signed descriptor and verifies it at nowMS (Parse, then
// Signed.Verify).
func Verify(v effects.Value, nowMS int64) (Signed, error) {
	s, err := Parse(v)
	if err != nil {
		return Signed{}, err
	}
	if err := s.Verify(nowMS); err != nil {
		return Signed{}, err
	}
	return s, nil
}

// Parse reads the signed wire form without verifying it: the result
// re-encodes (Signed.Value) to exactly v. Anything else is an *Error
// matching ErrMalformed.
func Parse(v effects.Value) (Signed, error) {
	if v.Kind() != effects.KindMap {
		return Signed{}, malformed("", fmt.Sprintf("a descriptor is a map, got %s", v.Kind()))
	}
	var s Signed
	seen := map[string]bool{}
	for _, f := range v.Fields() {
		seen[f.Key] = true
		var err error
		switch f.Key {
		case fieldAuthority:
			var b []byte
			if b, err = fixedBytes(f, len(s.Authority)); err == nil {
				copy(s.Authority[:], b)
			}
		case fieldDeviceKey:
			var b []byte
			b, err = fixedBytes(f, ed25519.PublicKeySize)
			s.DeviceKey = b
		case fieldSignature:
			s.Signature, err = fixedBytes(f, ed25519.SignatureSize)
		case fieldAddresses:
			s.Addresses, err = stringList(f, MaxAddresses)
		case fieldRelays:
			s.Relays, err = stringList(f, MaxRelays)
			if err == nil && len(s.Relays) == 0 {
				err = malformed(fieldRelays, "an empty list: omit relays when there are none")
			}
		case fieldIssued:
			s.IssuedMS, err = integer(f)
		case fieldExpires:
			s.ExpiresMS, err = integer(f)
		case fieldSeq:
			s.Seq, err = integer(f)
		default:
			err = malformed(f.Key, "not a field of a descriptor")
		}
		if err != nil {
			return Signed{}, err
		}
	}
	for _, k := range []string{fieldAuthority, fieldDeviceKey, fieldAddresses, fieldIssued, fieldExpires, fieldSeq, fieldSignature} {
		if !seen[k] {
			return Signed{}, malformed(k, "missing")
		}
	}
	if err := s.Check(); err != nil {
		return Signed{}, err
	}
	return s, nil
}

func malformed(field, reason string) error {
	return &Error{Field: field, Reason: reason, Err: ErrMalformed}
}

func fixedBytes(f effects.Field, n int) ([]byte, error) {
	b, ok := f.Value.AsBytes()
	if !ok {
		return nil, malformed(f.Key, fmt.Sprintf("must be bytes, got %s", f.Value.Kind()))
	}
	if len(b) != n {
		return nil, malformed(f.Key, fmt.Sprintf("must be %d bytes, got %d", n, len(b)))
	}
	return b, nil
}

func stringList(f effects.Field, limit int) ([]string, error) {
	if f.Value.Kind() != effects.KindList {
		return nil, malformed(f.Key, fmt.Sprintf("must be a list of strings, got %s", f.Value.Kind()))
	}
	if n := f.Value.Len(); n > limit {
		return nil, malformed(f.Key, fmt.Sprintf("%d entries, more than the %d allowed", n, limit))
	}
	out := make([]string, 0, f.Value.Len())
	for i, it := range f.Value.Items() {
		s, ok := it.AsString()
		if !ok {
			return nil, malformed(fmt.Sprintf("%s[%d]", f.Key, i), fmt.Sprintf("must be a string, got %s", it.Kind()))
		}
		out = append(out, s)
	}
	return out, nil
}

func integer(f effects.Field) (int64, error) {
	n, ok := f.Value.AsInt()
	if !ok || f.Value.Kind() != effects.KindInt {
		return 0, malformed(f.Key, fmt.Sprintf("must be an int, got %s", f.Value.Kind()))
	}
	return n, nil
}

func stringValues(ss []string) effects.Value {
	out := make([]effects.Value, len(ss))
	for i, s := range ss {
		out[i] = effects.String(s)
	}
	return effects.List(out...)
}
