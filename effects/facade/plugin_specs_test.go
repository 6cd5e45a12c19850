package facade_test

import (
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// pluginSpecs transcribes what the first-party plugins declare (ID,
// parameters, result kind; docs left out) for the operations the facades
// call: plugins/crypto, storage, clock, random, console, journal, transport
// (the network family, which sim-network serves with the same parameters),
// session, auth, invitation, recovery and rendezvous. The fakes of these
// tests register them, so every call a facade makes is checked against the
// plugins' schemas exactly as the host's registry checks it.
//
// effects may not import plugins, so this copy is what ties the facades to
// the plugins here; the plugins' own tests can check the real declarations
// with facade.CheckSpecs.
var pluginSpecs = append([]effects.OpSpec{
	// plugins/crypto
	{ID: effects.CryptoEd25519GenerateKeypair, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.CryptoEd25519Sign, Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "msg", Kind: effects.KindBytes}, {Name: "key", Kind: effects.KindBytes}}},
	{ID: effects.CryptoEd25519Verify, Result: effects.KindBool, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "msg", Kind: effects.KindBytes}, {Name: "sig", Kind: effects.KindBytes}, {Name: "pub", Kind: effects.KindBytes}}},
	{ID: effects.CryptoEd25519PublicKey, Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "priv", Kind: effects.KindBytes}}},
	{ID: effects.CryptoHash, Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "data", Kind: effects.KindBytes}}},
	{ID: effects.CryptoKDFDerive, Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "ikm", Kind: effects.KindBytes}, {Name: "salt", Kind: effects.KindBytes, Optional: true}, {Name: "info", Kind: effects.KindBytes, Optional: true}, {Name: "len", Kind: effects.KindInt}}},
	{ID: effects.CryptoAEADSeal, Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindBytes}, {Name: "nonce", Kind: effects.KindBytes}, {Name: "plaintext", Kind: effects.KindBytes}, {Name: "aad", Kind: effects.KindBytes, Optional: true}}},
	{ID: effects.CryptoAEADOpen, Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindBytes}, {Name: "nonce", Kind: effects.KindBytes}, {Name: "ciphertext", Kind: effects.KindBytes}, {Name: "aad", Kind: effects.KindBytes, Optional: true}}},
	{ID: effects.CryptoFrostGenerateKeys, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "t", Kind: effects.KindInt}, {Name: "n", Kind: effects.KindInt}}},
	{ID: effects.CryptoFrostGenerateNonces, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "share", Kind: effects.KindMap}}},
	{ID: effects.CryptoFrostCreateSigningPackage, Result: effects.KindMap, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "msg", Kind: effects.KindBytes}, {Name: "commitments", Kind: effects.KindList}, {Name: "group_public", Kind: effects.KindBytes}, {Name: "participants", Kind: effects.KindList, Optional: true}}},
	{ID: effects.CryptoFrostSignShare, Result: effects.KindMap, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "pkg", Kind: effects.KindMap}, {Name: "share", Kind: effects.KindMap}, {Name: "nonces", Kind: effects.KindMap}}},
	{ID: effects.CryptoFrostAggregateSignatures, Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "pkg", Kind: effects.KindMap}, {Name: "shares", Kind: effects.KindList}, {Name: "verifying_shares", Kind: effects.KindList, Optional: true}}},
	{ID: effects.CryptoFrostVerifyShares, Result: effects.KindList, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "pkg", Kind: effects.KindMap}, {Name: "shares", Kind: effects.KindList}, {Name: "verifying_shares", Kind: effects.KindList}}},
	{ID: effects.CryptoFrostKeyInfo, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindString}}},
	{ID: effects.CryptoFrostKeyNonces, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "key", Kind: effects.KindString}}},
	{ID: effects.CryptoFrostKeySignShare, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "key", Kind: effects.KindString}, {Name: "pkg", Kind: effects.KindMap}, {Name: "nonces", Kind: effects.KindString}}},
	{ID: effects.CryptoFrostVerify, Result: effects.KindBool, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "msg", Kind: effects.KindBytes}, {Name: "sig", Kind: effects.KindBytes}, {Name: "group_public", Kind: effects.KindBytes}}},
	// plugins/storage
	{ID: effects.StorageStore, Result: effects.KindNull, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindString}, {Name: "value", Kind: effects.KindBytes}}},
	{ID: effects.StorageRetrieve, Result: effects.KindBytes, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindString}}},
	{ID: effects.StorageRemove, Result: effects.KindBool, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindString}}},
	{ID: effects.StorageListKeys, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "prefix", Kind: effects.KindString, Optional: true}}},
	{ID: effects.StorageExists, Result: effects.KindBool, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindString}}},
	{ID: effects.StorageStoreBatch, Result: effects.KindNull, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "entries", Kind: effects.KindMap}}},
	{ID: effects.StorageRetrieveBatch, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "keys", Kind: effects.KindList}}},
	{ID: effects.StorageStats, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.StorageClearAll, Result: effects.KindInt, Determinism: effects.WritesWorld, Idempotent: true},
	// plugins/clock
	{ID: effects.ClockPhysicalTime, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.ClockSleepMS, Result: effects.KindNull, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "ms", Kind: effects.KindInt}}},
	{ID: effects.ClockLogicalNow, Result: effects.KindUint, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.ClockLogicalAdvance, Result: effects.KindUint, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "observed", Kind: effects.KindUint}}},
	{ID: effects.ClockOrderTime, Result: effects.KindBytes, Determinism: effects.ReadsWorld, Idempotent: true},
	// plugins/random
	{ID: effects.RandomBytes, Result: effects.KindBytes, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "n", Kind: effects.KindInt}}},
	{ID: effects.RandomBytes32, Result: effects.KindBytes, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.RandomU64, Result: effects.KindUint, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.RandomRange, Result: effects.KindInt, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "min", Kind: effects.KindInt}, {Name: "max", Kind: effects.KindInt}}},
	{ID: effects.RandomUUID, Result: effects.KindString, Determinism: effects.ReadsWorld, Idempotent: true},
	// plugins/console
	{ID: effects.ConsoleLogDebug, Result: effects.KindNull, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "message", Kind: effects.KindString}, {Name: "fields", Kind: effects.KindMap, Optional: true}}},
	{ID: effects.ConsoleLogInfo, Result: effects.KindNull, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "message", Kind: effects.KindString}, {Name: "fields", Kind: effects.KindMap, Optional: true}}},
	{ID: effects.ConsoleLogWarn, Result: effects.KindNull, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "message", Kind: effects.KindString}, {Name: "fields", Kind: effects.KindMap, Optional: true}}},
	{ID: effects.ConsoleLogError, Result: effects.KindNull, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "message", Kind: effects.KindString}, {Name: "fields", Kind: effects.KindMap, Optional: true}}},
	// plugins/journal
	{ID: effects.JournalAppendFact, Result: effects.KindBytes, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "fact", Kind: effects.KindMap}}},
	{ID: effects.JournalMergeFacts, Result: effects.KindInt, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "facts", Kind: effects.KindList}}},
	{ID: effects.JournalGetJournal, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "after", Kind: effects.KindBytes, Optional: true}, {Name: "limit", Kind: effects.KindInt, Optional: true}}},
	{ID: effects.JournalGetFact, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindBytes}}},
	{ID: effects.JournalFactsByType, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "type", Kind: effects.KindString}}},
	{ID: effects.JournalFactsByPredicate, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "predicate", Kind: effects.KindString}}},
	{ID: effects.JournalFactsByAuthority, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "authority", Kind: effects.KindAny}}},
	{ID: effects.JournalFactsInRange, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "t0", Kind: effects.KindInt}, {Name: "t1", Kind: effects.KindInt}}},
	{ID: effects.JournalMightContain, Result: effects.KindBool, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindBytes}}},
	{ID: effects.JournalMerkleRoot, Result: effects.KindBytes, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "rfc6962", Kind: effects.KindBool, Optional: true}}},
	{ID: effects.JournalInclusionProof, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindBytes}, {Name: "rfc6962", Kind: effects.KindBool, Optional: true}}},
	{ID: effects.JournalVerifyFactInclusion, Result: effects.KindBool, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindBytes}, {Name: "root", Kind: effects.KindBytes}, {Name: "proof", Kind: effects.KindMap}}},
	{ID: effects.JournalView, Result: effects.KindAny, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "type", Kind: effects.KindString}, {Name: "reducer", Kind: effects.KindString, Optional: true}}},
	{ID: effects.JournalGetFlowBudget, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "context", Kind: effects.KindBytes}, {Name: "peer", Kind: effects.KindBytes}}},
	{ID: effects.JournalChargeFlowBudget, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "context", Kind: effects.KindBytes}, {Name: "peer", Kind: effects.KindBytes}, {Name: "cost", Kind: effects.KindUint}}},
	{ID: effects.JournalSetFlowBudget, Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "context", Kind: effects.KindBytes}, {Name: "peer", Kind: effects.KindBytes}, {Name: "limit", Kind: effects.KindUint}, {Name: "epoch", Kind: effects.KindUint}}},
	{ID: effects.JournalRotateEpoch, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "context", Kind: effects.KindBytes}, {Name: "peer", Kind: effects.KindBytes}}},
	{ID: effects.JournalMergeFlowBudget, Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "context", Kind: effects.KindBytes}, {Name: "peer", Kind: effects.KindBytes}, {Name: "limit", Kind: effects.KindUint}, {Name: "spent", Kind: effects.KindUint}, {Name: "epoch", Kind: effects.KindUint}}},
	{ID: effects.JournalStats, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	// plugins/transport
	{ID: effects.NetworkSendEnvelope, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "envelope", Kind: effects.KindMap}}},
	{ID: effects.NetworkReceiveEnvelope, Result: effects.KindAny, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "destination", Kind: effects.KindAny, Optional: true}}},
	{ID: effects.NetworkReceiveEnvelopeFrom, Result: effects.KindAny, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "source", Kind: effects.KindAny}, {Name: "context", Kind: effects.KindAny}, {Name: "destination", Kind: effects.KindAny, Optional: true}}},
	{ID: effects.NetworkConnectedPeers, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "self", Kind: effects.KindAny, Optional: true}}},
	{ID: effects.NetworkIsChannelEstablished, Result: effects.KindBool, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "context", Kind: effects.KindAny}, {Name: "peer", Kind: effects.KindAny}, {Name: "self", Kind: effects.KindAny, Optional: true}}},
	// plugins/session
	{ID: effects.SessionCreate, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "kind", Kind: effects.KindString}, {Name: "participants", Kind: effects.KindList}, {Name: "my_role", Kind: effects.KindString}, {Name: "ttl_ms", Kind: effects.KindInt}}},
	{ID: effects.SessionGet, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.SessionEnd, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.SessionListActive, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.SessionStats, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.SessionCleanExpired, Result: effects.KindInt, Determinism: effects.WritesWorld, Idempotent: true},
	// plugins/auth
	{ID: effects.AuthCreateChallenge, Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true},
	{ID: effects.AuthEnrollDevice, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "public_key", Kind: effects.KindBytes}}},
	{ID: effects.AuthListDevices, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.AuthVerify, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "challenge_id", Kind: effects.KindString}, {Name: "signature", Kind: effects.KindBytes}, {Name: "public_key", Kind: effects.KindBytes}, {Name: "method", Kind: effects.KindString}}},
	// plugins/invitation
	{ID: effects.InvitationInvite, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "kind", Kind: effects.KindString}, {Name: "receiver", Kind: effects.KindString}, {Name: "ttl_ms", Kind: effects.KindInt}, {Name: "message", Kind: effects.KindString, Optional: true}}},
	{ID: effects.InvitationAccept, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.InvitationDecline, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.InvitationCancel, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.InvitationGet, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.InvitationListPending, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "for", Kind: effects.KindString, Optional: true}}},
	{ID: effects.InvitationExport, Result: effects.KindString, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.InvitationImport, Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "code", Kind: effects.KindString}}},
	{ID: effects.InvitationExportAnswer, Result: effects.KindString, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.InvitationExpire, Result: effects.KindInt, Determinism: effects.WritesWorld, Idempotent: true},
	{ID: effects.InvitationImportAnswer, Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "code", Kind: effects.KindString}}},
	// plugins/recovery
	{ID: effects.RecoveryInitiate, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "operation", Kind: effects.KindString}, {Name: "ttl_ms", Kind: effects.KindInt}}},
	{ID: effects.RecoverySetGuardians, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "guardians", Kind: effects.KindList}, {Name: "threshold", Kind: effects.KindInt}}},
	{ID: effects.RecoveryGuardians, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.RecoverySubmitApproval, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "recovery_id", Kind: effects.KindString}, {Name: "guardian_id", Kind: effects.KindString}, {Name: "signature", Kind: effects.KindBytes}}},
	{ID: effects.RecoveryGet, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.RecoveryList, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.RecoveryApprovalMessage, Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "recovery_id", Kind: effects.KindString}, {Name: "operation", Kind: effects.KindString}, {Name: "account", Kind: effects.KindString}}},
	// plugins/rendezvous
	{ID: effects.RendezvousPublish, Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "peer", Kind: effects.KindString}, {Name: "descriptor", Kind: effects.KindMap}, {Name: "validity_ms", Kind: effects.KindInt, Optional: true}}},
	{ID: effects.RendezvousLookup, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "peer", Kind: effects.KindString}}},
	{ID: effects.RendezvousList, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.RendezvousExpire, Result: effects.KindInt, Determinism: effects.WritesWorld, Idempotent: true},
	// plugins/ceremony
	{ID: effects.CeremonyPropose, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "invitations", Kind: effects.KindList}, {Name: "threshold", Kind: effects.KindInt}, {Name: "ttl_ms", Kind: effects.KindInt}, {Name: "rotation", Kind: effects.KindString, Optional: true}}},
	{ID: effects.CeremonyAdvance, Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.CeremonyCancel, Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.CeremonyGet, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: effects.CeremonyList, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true},
	// host/social (host-owned services social_manager and selection)
	{ID: effects.SocialNeighbourhood, Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: effects.SocialSelectRelays, Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "count", Kind: effects.KindInt}}},
	{ID: effects.SelectionProfile, Result: effects.KindMap, Determinism: effects.ReadsWorld, Params: []effects.Param{{Name: "destination", Kind: effects.KindString}, {Name: "refresh", Kind: effects.KindBool, Optional: true}}},
	{ID: effects.SelectionSetPrivacy, Result: effects.KindBool, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "on", Kind: effects.KindBool}}},
}, slices.Concat(effects.DeviceOps(), effects.CoverOps(), effects.HoldOps(), effects.ReactiveOps())...) // host/agent serves the device family and hosts the cover, hold and reactive services
