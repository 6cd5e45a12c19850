package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// FROST(Ed25519, SHA-512) threshold signing, RFC 9591: a dealer deals t-of-n
// key shares (FrostGenerateKeys); each signer makes nonces and sends their
// commitment (FrostGenerateNonces); the coordinator binds the message to
// the commitments (FrostSigningPackage); each signer signs a share
// (FrostSignShare); the coordinator aggregates them into an ordinary
// Ed25519 signature (FrostAggregate), which FrostVerify (or Verify) checks.
//
// Participant identifiers are 1 to n. Scalars and points are 32 bytes.

var (
	opFrostGenerateKeys   = declare("Crypto.FrostGenerateKeys", effects.CryptoFrostGenerateKeys, effects.KindMap, arg("t", effects.KindInt), arg("n", effects.KindInt))
	opFrostGenerateNonces = declare("Crypto.FrostGenerateNonces", effects.CryptoFrostGenerateNonces, effects.KindMap, arg("share", effects.KindMap))
	opFrostSigningPackage = declare("Crypto.FrostSigningPackage", effects.CryptoFrostCreateSigningPackage, effects.KindMap,
		arg("msg", effects.KindBytes), arg("commitments", effects.KindList), arg("group_public", effects.KindBytes), opt("participants", effects.KindList))
	opFrostSignShare = declare("Crypto.FrostSignShare", effects.CryptoFrostSignShare, effects.KindMap,
		arg("pkg", effects.KindMap), arg("share", effects.KindMap), arg("nonces", effects.KindMap))
	opFrostAggregate = declare("Crypto.FrostAggregate", effects.CryptoFrostAggregateSignatures, effects.KindBytes,
		arg("pkg", effects.KindMap), arg("shares", effects.KindList), opt("verifying_shares", effects.KindList))
	opFrostVerify = declare("Crypto.FrostVerify", effects.CryptoFrostVerify, effects.KindBool,
		arg("msg", effects.KindBytes), arg("sig", effects.KindBytes), arg("group_public", effects.KindBytes))
)

// FrostKeys is a dealt t-of-n FROST key.
type FrostKeys struct {
	GroupPublic []byte          // the group's 32-byte Ed25519 public key
	Threshold   int             // t: how many participants must sign
	Shares      []FrostKeyShare // one per participant, identifiers 1 to n
	Commitment  [][]byte        // the VSS commitment: t points, the first is GroupPublic
}

// FrostKeyShare is one participant's key share. Secret must stay with the
// participant.
type FrostKeyShare struct {
	Identifier  uint64 // the participant, 1 to n
	Secret      []byte // the 32-byte secret scalar
	Public      []byte // the 32-byte verifying share
	GroupPublic []byte // the group's public key
}

// Verifying returns the public half of the share, which FrostAggregate
// uses to name a participant whose signature share is invalid.
func (s FrostKeyShare) Verifying() FrostVerifyingShare {
	return FrostVerifyingShare{Identifier: s.Identifier, Public: s.Public}
}

func (s FrostKeyShare) value() effects.Value {
	return effects.Map(map[string]effects.Value{
		"identifier": identifier(s.Identifier), "secret": effects.Bytes(s.Secret),
		"public": effects.Bytes(s.Public), "group_public": effects.Bytes(s.GroupPublic),
	})
}

// FrostVerifyingShare is the public part of a participant's key share.
type FrostVerifyingShare struct {
	Identifier uint64 // the participant
	Public     []byte // 32 bytes
}

// FrostNonces are a participant's secret nonces for one signature: use
// them once, in FrostSignShare.
type FrostNonces struct {
	Identifier uint64 // the participant
	Hiding     []byte // 32-byte scalar
	Binding    []byte // 32-byte scalar
}

func (n FrostNonces) value() effects.Value {
	return effects.Map(map[string]effects.Value{
		"identifier": identifier(n.Identifier), "hiding": effects.Bytes(n.Hiding), "binding": effects.Bytes(n.Binding),
	})
}

// FrostCommitment is a participant's public commitment to its nonces,
// sent to the coordinator.
type FrostCommitment struct {
	Identifier uint64 // the participant
	Hiding     []byte // 32-byte point
	Binding    []byte // 32-byte point
}

func (c FrostCommitment) value() effects.Value {
	return effects.Map(map[string]effects.Value{
		"identifier": identifier(c.Identifier), "hiding": effects.Bytes(c.Hiding), "binding": effects.Bytes(c.Binding),
	})
}

// FrostRound1 is what FrostGenerateNonces returns: the secret nonces to
// keep and the commitment to send.
type FrostRound1 struct {
	Nonces     FrostNonces     // secret: keep for FrostSignShare
	Commitment FrostCommitment // public: send to the coordinator
}

// FrostSigningPackage binds a message to the signing participants'
// commitments (sorted by identifier).
type FrostSigningPackage struct {
	Message     []byte            // the message signed
	GroupPublic []byte            // the group's public key
	Commitments []FrostCommitment // one per signing participant
}

func (p FrostSigningPackage) value() effects.Value {
	return effects.Map(map[string]effects.Value{
		"message": effects.Bytes(p.Message), "group_public": effects.Bytes(p.GroupPublic),
		"commitments": commitmentList(p.Commitments),
	})
}

// FrostSignatureShare is one participant's share of the group signature.
type FrostSignatureShare struct {
	Identifier uint64 // the participant
	Share      []byte // 32-byte scalar
}

// identifier encodes a participant identifier as the plugin writes it: an
// int.
func identifier(id uint64) effects.Value { return effects.Int(int64(id)) }

func commitmentList(cs []FrostCommitment) effects.Value {
	items := make([]effects.Value, len(cs))
	for i, c := range cs {
		items[i] = c.value()
	}
	return effects.List(items...)
}

// The decoders of the FROST records.

func readIdentifier(r reader) uint64 {
	id := r.uint("identifier")
	if id == 0 && r.d.err == nil {
		r.d.fail(join(r.path, "identifier"), "a positive identifier", "0")
	}
	return id
}

func readKeyShare(r reader) FrostKeyShare {
	return FrostKeyShare{Identifier: readIdentifier(r), Secret: r.bytesN("secret", 32),
		Public: r.bytesN("public", 32), GroupPublic: r.bytesN("group_public", PublicKeySize)}
}

func readCommitment(r reader) FrostCommitment {
	return FrostCommitment{Identifier: readIdentifier(r), Hiding: r.bytesN("hiding", 32), Binding: r.bytesN("binding", 32)}
}

// FrostGenerateKeys deals a t-of-n key (2 <= t <= n <= 255) with a trusted
// dealer.
func (x *Crypto) FrostGenerateKeys(ctx context.Context, t, n int) (FrostKeys, error) {
	v, err := x.c.invoke(ctx, opFrostGenerateKeys, map[string]effects.Value{"t": effects.Int(int64(t)), "n": effects.Int(int64(n))})
	if err != nil {
		return FrostKeys{}, err
	}
	return decodeRecord(opFrostGenerateKeys, v, func(r reader) FrostKeys {
		return FrostKeys{
			GroupPublic: r.bytesN("group_public", PublicKeySize),
			Threshold:   int(r.int("threshold")),
			Shares:      records(r, "shares", readKeyShare),
			Commitment:  r.bytesList("commitment", 32),
		}
	})
}

// FrostGenerateNonces makes a participant's nonces for one signature and
// the commitment to them (round one).
func (x *Crypto) FrostGenerateNonces(ctx context.Context, share FrostKeyShare) (FrostRound1, error) {
	v, err := x.c.invoke(ctx, opFrostGenerateNonces, map[string]effects.Value{"share": share.value()})
	if err != nil {
		return FrostRound1{}, err
	}
	return decodeRecord(opFrostGenerateNonces, v, func(r reader) FrostRound1 {
		n := r.record("nonces")
		return FrostRound1{
			Nonces:     FrostNonces{Identifier: readIdentifier(n), Hiding: n.bytesN("hiding", 32), Binding: n.bytesN("binding", 32)},
			Commitment: readCommitment(r.record("commitment")),
		}
	})
}

// FrostSigningPackage is the coordinator's step between the rounds: it binds
// msg to the commitments of the signing participants. participants, if
// not nil, must be exactly the commitments' identifiers (a cross-check).
func (x *Crypto) FrostSigningPackage(ctx context.Context, msg []byte, commitments []FrostCommitment, groupPublic []byte, participants []uint64) (FrostSigningPackage, error) {
	args := map[string]effects.Value{
		"msg": effects.Bytes(msg), "commitments": commitmentList(commitments), "group_public": effects.Bytes(groupPublic),
	}
	if participants != nil {
		ids := make([]effects.Value, len(participants))
		for i, id := range participants {
			ids[i] = identifier(id)
		}
		args["participants"] = effects.List(ids...)
	}
	v, err := x.c.invoke(ctx, opFrostSigningPackage, args)
	if err != nil {
		return FrostSigningPackage{}, err
	}
	return decodeRecord(opFrostSigningPackage, v, func(r reader) FrostSigningPackage {
		return FrostSigningPackage{
			Message:     r.bytes("message"),
			GroupPublic: r.bytesN("group_public", PublicKeySize),
			Commitments: records(r, "commitments", readCommitment),
		}
	})
}

// FrostSignShare signs a participant's share of the package's message with
// its key share and the nonces it committed to (round two).
func (x *Crypto) FrostSignShare(ctx context.Context, pkg FrostSigningPackage, share FrostKeyShare, nonces FrostNonces) (FrostSignatureShare, error) {
	v, err := x.c.invoke(ctx, opFrostSignShare, map[string]effects.Value{
		"pkg": pkg.value(), "share": share.value(), "nonces": nonces.value(),
	})
	if err != nil {
		return FrostSignatureShare{}, err
	}
	return decodeRecord(opFrostSignShare, v, func(r reader) FrostSignatureShare {
		return FrostSignatureShare{Identifier: readIdentifier(r), Share: r.bytesN("share", 32)}
	})
}

// FrostAggregate combines one signature share per participant of the
// package into the 64-byte group signature, which the plugin checks
// verifies. verifying (nil for none) lets the plugin name the participants
// whose shares are invalid when it does not.
func (x *Crypto) FrostAggregate(ctx context.Context, pkg FrostSigningPackage, shares []FrostSignatureShare, verifying []FrostVerifyingShare) ([]byte, error) {
	args := map[string]effects.Value{"pkg": pkg.value(), "shares": signatureShareList(shares)}
	if verifying != nil {
		args["verifying_shares"] = verifyingShareList(verifying)
	}
	v, err := x.c.invoke(ctx, opFrostAggregate, args)
	if err != nil {
		return nil, err
	}
	return decodeBytes(opFrostAggregate, v, SignatureSize)
}

// FrostVerify reports whether sig is a valid group signature of msg by
// groupPublic (it is Ed25519 verification).
func (x *Crypto) FrostVerify(ctx context.Context, msg, sig, groupPublic []byte) (bool, error) {
	v, err := x.c.invoke(ctx, opFrostVerify, map[string]effects.Value{
		"msg": effects.Bytes(msg), "sig": effects.Bytes(sig), "group_public": effects.Bytes(groupPublic),
	})
	if err != nil {
		return false, err
	}
	return decodeBool(opFrostVerify, v)
}

// FROST with held keys: a distributed key generation (the protocol
// examples/protocols/frost_dkg.hcl runs it) leaves each device's signing
// share in its crypto plugin under a key handle. Signing with it is the same
// two rounds, but the nonces stay in the plugin too (FrostKeyNonces returns
// a handle to them, used once by FrostKeySignShare).

var (
	opFrostKeyInfo      = declare("Crypto.FrostKeyInfo", effects.CryptoFrostKeyInfo, effects.KindMap, arg("key", effects.KindString))
	opFrostKeyNonces    = declare("Crypto.FrostKeyNonces", effects.CryptoFrostKeyNonces, effects.KindMap, arg("key", effects.KindString))
	opFrostKeySignShare = declare("Crypto.FrostKeySignShare", effects.CryptoFrostKeySignShare, effects.KindMap,
		arg("key", effects.KindString), arg("pkg", effects.KindMap), arg("nonces", effects.KindString))
	opFrostVerifyShares = declare("Crypto.FrostVerifyShares", effects.CryptoFrostVerifyShares, effects.KindList,
		arg("pkg", effects.KindMap), arg("shares", effects.KindList), arg("verifying_shares", effects.KindList))
)

// FrostHeldKey describes a key a crypto plugin holds: no secret.
type FrostHeldKey struct {
	Key             string                // the handle
	State           string                // round1, round2, pending, active or retired (only active signs)
	Identifier      uint64                // this participant
	Threshold       int                   // t
	Participants    int                   // n
	Epoch           uint64                // the key's epoch
	GroupPublic     []byte                // the group's Ed25519 public key (once the DKG finished)
	VerifyingShares []FrostVerifyingShare // every participant's public share
	RetiredAt       uint64                // when retired: the epoch whose resharing replaced it
}

// FrostHeldRound1 is round one with a held key: a handle to the secret
// nonces, which stay in the plugin, and the commitment to send.
type FrostHeldRound1 struct {
	Nonces     string
	Commitment FrostCommitment
}

// FrostKeyInfo describes the held key with handle key.
func (x *Crypto) FrostKeyInfo(ctx context.Context, key string) (FrostHeldKey, error) {
	v, err := x.c.invoke(ctx, opFrostKeyInfo, map[string]effects.Value{"key": effects.String(key)})
	if err != nil {
		return FrostHeldKey{}, err
	}
	return decodeRecord(opFrostKeyInfo, v, func(r reader) FrostHeldKey {
		k := FrostHeldKey{Key: r.str("key"), State: r.str("state"), Identifier: readIdentifier(r),
			Threshold: int(r.int("threshold")), Participants: int(r.int("participants")), Epoch: r.uint("epoch"),
			RetiredAt: uint64(r.optInt("retired_at"))}
		if k.GroupPublic = r.optBytes("group_public"); k.GroupPublic != nil {
			k.VerifyingShares = records(r, "verifying_shares", func(r reader) FrostVerifyingShare {
				return FrostVerifyingShare{Identifier: readIdentifier(r), Public: r.bytesN("public", 32)}
			})
		}
		return k
	})
}

// FrostKeyNonces is round one of signing with the held key: it returns a
// handle to nonces the plugin keeps, and their commitment.
func (x *Crypto) FrostKeyNonces(ctx context.Context, key string) (FrostHeldRound1, error) {
	v, err := x.c.invoke(ctx, opFrostKeyNonces, map[string]effects.Value{"key": effects.String(key)})
	if err != nil {
		return FrostHeldRound1{}, err
	}
	return decodeRecord(opFrostKeyNonces, v, func(r reader) FrostHeldRound1 {
		return FrostHeldRound1{Nonces: r.str("nonces"), Commitment: readCommitment(r.record("commitment"))}
	})
}

// FrostKeySignShare is round two with the held key and its held nonces,
// which it uses up.
func (x *Crypto) FrostKeySignShare(ctx context.Context, key string, pkg FrostSigningPackage, nonces string) (FrostSignatureShare, error) {
	v, err := x.c.invoke(ctx, opFrostKeySignShare, map[string]effects.Value{
		"key": effects.String(key), "pkg": pkg.value(), "nonces": effects.String(nonces)})
	if err != nil {
		return FrostSignatureShare{}, err
	}
	return decodeRecord(opFrostKeySignShare, v, func(r reader) FrostSignatureShare {
		return FrostSignatureShare{Identifier: readIdentifier(r), Share: r.bytesN("share", 32)}
	})
}

// FrostVerifyShares checks each signature share of the package against its
// participant's verifying share and returns the identifiers whose share is
// invalid (none: all valid). A coordinator calls it before FrostAggregate
// to name a cheating signer and sign again without it.
func (x *Crypto) FrostVerifyShares(ctx context.Context, pkg FrostSigningPackage, shares []FrostSignatureShare, verifying []FrostVerifyingShare) ([]uint64, error) {
	v, err := x.c.invoke(ctx, opFrostVerifyShares, map[string]effects.Value{
		"pkg": pkg.value(), "shares": signatureShareList(shares), "verifying_shares": verifyingShareList(verifying)})
	if err != nil {
		return nil, err
	}
	return decodeIdentifiers(opFrostVerifyShares, v)
}

func signatureShareList(shares []FrostSignatureShare) effects.Value {
	items := make([]effects.Value, len(shares))
	for i, s := range shares {
		items[i] = effects.Map(map[string]effects.Value{"identifier": identifier(s.Identifier), "share": effects.Bytes(s.Share)})
	}
	return effects.List(items...)
}

func verifyingShareList(verifying []FrostVerifyingShare) effects.Value {
	vs := make([]effects.Value, len(verifying))
	for i, s := range verifying {
		vs[i] = effects.Map(map[string]effects.Value{"identifier": identifier(s.Identifier), "public": effects.Bytes(s.Public)})
	}
	return effects.List(vs...)
}

// decodeIdentifiers decodes a list of participant identifiers.
func decodeIdentifiers(op *operation, v effects.Value) ([]uint64, error) {
	d := newDecoding(op)
	if v.Kind() != effects.KindList {
		d.fail("", "a list", describe(v))
		return nil, d.result()
	}
	var ids []uint64
	for i, it := range v.Items() {
		id, ok := it.AsUint()
		if !ok || id == 0 {
			d.fail(index("", i), "a positive identifier", describe(it))
		}
		ids = append(ids, id)
	}
	if err := d.result(); err != nil {
		return nil, err
	}
	return ids, nil
}
