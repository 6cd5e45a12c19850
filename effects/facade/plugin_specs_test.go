package facade_test

import "github.com/aurahost/aura-host/effects"

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
var pluginSpecs = []effects.OpSpec{
	// plugins/crypto
	{ID: "crypto.ed25519_generate_keypair", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: "crypto.ed25519_sign", Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "msg", Kind: effects.KindBytes}, {Name: "key", Kind: effects.KindBytes}}},
	{ID: "crypto.ed25519_verify", Result: effects.KindBool, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "msg", Kind: effects.KindBytes}, {Name: "sig", Kind: effects.KindBytes}, {Name: "pub", Kind: effects.KindBytes}}},
	{ID: "crypto.ed25519_public_key", Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "priv", Kind: effects.KindBytes}}},
	{ID: "crypto.hash", Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "data", Kind: effects.KindBytes}}},
	{ID: "crypto.kdf_derive", Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "ikm", Kind: effects.KindBytes}, {Name: "salt", Kind: effects.KindBytes, Optional: true}, {Name: "info", Kind: effects.KindBytes, Optional: true}, {Name: "len", Kind: effects.KindInt}}},
	{ID: "crypto.aead_seal", Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindBytes}, {Name: "nonce", Kind: effects.KindBytes}, {Name: "plaintext", Kind: effects.KindBytes}, {Name: "aad", Kind: effects.KindBytes, Optional: true}}},
	{ID: "crypto.aead_open", Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindBytes}, {Name: "nonce", Kind: effects.KindBytes}, {Name: "ciphertext", Kind: effects.KindBytes}, {Name: "aad", Kind: effects.KindBytes, Optional: true}}},
	{ID: "crypto.frost_generate_keys", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "t", Kind: effects.KindInt}, {Name: "n", Kind: effects.KindInt}}},
	{ID: "crypto.frost_generate_nonces", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "share", Kind: effects.KindMap}}},
	{ID: "crypto.frost_create_signing_package", Result: effects.KindMap, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "msg", Kind: effects.KindBytes}, {Name: "commitments", Kind: effects.KindList}, {Name: "group_public", Kind: effects.KindBytes}, {Name: "participants", Kind: effects.KindList, Optional: true}}},
	{ID: "crypto.frost_sign_share", Result: effects.KindMap, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "pkg", Kind: effects.KindMap}, {Name: "share", Kind: effects.KindMap}, {Name: "nonces", Kind: effects.KindMap}}},
	{ID: "crypto.frost_aggregate_signatures", Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "pkg", Kind: effects.KindMap}, {Name: "shares", Kind: effects.KindList}, {Name: "verifying_shares", Kind: effects.KindList, Optional: true}}},
	{ID: "crypto.frost_verify", Result: effects.KindBool, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "msg", Kind: effects.KindBytes}, {Name: "sig", Kind: effects.KindBytes}, {Name: "group_public", Kind: effects.KindBytes}}},
	// plugins/storage
	{ID: "storage.store", Result: effects.KindNull, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindString}, {Name: "value", Kind: effects.KindBytes}}},
	{ID: "storage.retrieve", Result: effects.KindBytes, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindString}}},
	{ID: "storage.remove", Result: effects.KindBool, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindString}}},
	{ID: "storage.list_keys", Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "prefix", Kind: effects.KindString, Optional: true}}},
	{ID: "storage.exists", Result: effects.KindBool, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "key", Kind: effects.KindString}}},
	{ID: "storage.store_batch", Result: effects.KindNull, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "entries", Kind: effects.KindMap}}},
	{ID: "storage.retrieve_batch", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "keys", Kind: effects.KindList}}},
	{ID: "storage.stats", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: "storage.clear_all", Result: effects.KindInt, Determinism: effects.WritesWorld, Idempotent: true},
	// plugins/clock
	{ID: "clock.physical_time", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: "clock.sleep_ms", Result: effects.KindNull, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "ms", Kind: effects.KindInt}}},
	{ID: "clock.logical_now", Result: effects.KindUint, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: "clock.logical_advance", Result: effects.KindUint, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "observed", Kind: effects.KindUint}}},
	{ID: "clock.order_time", Result: effects.KindBytes, Determinism: effects.ReadsWorld, Idempotent: true},
	// plugins/random
	{ID: "random.random_bytes", Result: effects.KindBytes, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "n", Kind: effects.KindInt}}},
	{ID: "random.random_bytes_32", Result: effects.KindBytes, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: "random.random_u64", Result: effects.KindUint, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: "random.random_range", Result: effects.KindInt, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "min", Kind: effects.KindInt}, {Name: "max", Kind: effects.KindInt}}},
	{ID: "random.random_uuid", Result: effects.KindString, Determinism: effects.ReadsWorld, Idempotent: true},
	// plugins/console
	{ID: "console.log_debug", Result: effects.KindNull, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "message", Kind: effects.KindString}, {Name: "fields", Kind: effects.KindMap, Optional: true}}},
	{ID: "console.log_info", Result: effects.KindNull, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "message", Kind: effects.KindString}, {Name: "fields", Kind: effects.KindMap, Optional: true}}},
	{ID: "console.log_warn", Result: effects.KindNull, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "message", Kind: effects.KindString}, {Name: "fields", Kind: effects.KindMap, Optional: true}}},
	{ID: "console.log_error", Result: effects.KindNull, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "message", Kind: effects.KindString}, {Name: "fields", Kind: effects.KindMap, Optional: true}}},
	// plugins/journal
	{ID: "journal.append_fact", Result: effects.KindBytes, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "fact", Kind: effects.KindMap}}},
	{ID: "journal.merge_facts", Result: effects.KindInt, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "facts", Kind: effects.KindList}}},
	{ID: "journal.get_journal", Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "after", Kind: effects.KindBytes, Optional: true}, {Name: "limit", Kind: effects.KindInt, Optional: true}}},
	{ID: "journal.get_fact", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindBytes}}},
	{ID: "journal.facts_by_type", Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "type", Kind: effects.KindString}}},
	{ID: "journal.facts_by_predicate", Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "predicate", Kind: effects.KindString}}},
	{ID: "journal.facts_by_authority", Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "authority", Kind: effects.KindAny}}},
	{ID: "journal.facts_in_range", Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "t0", Kind: effects.KindInt}, {Name: "t1", Kind: effects.KindInt}}},
	{ID: "journal.might_contain", Result: effects.KindBool, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindBytes}}},
	{ID: "journal.merkle_root", Result: effects.KindBytes, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: "journal.inclusion_proof", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindBytes}}},
	{ID: "journal.verify_fact_inclusion", Result: effects.KindBool, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindBytes}, {Name: "root", Kind: effects.KindBytes}, {Name: "proof", Kind: effects.KindMap}}},
	{ID: "journal.view", Result: effects.KindAny, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "type", Kind: effects.KindString}, {Name: "reducer", Kind: effects.KindString, Optional: true}}},
	{ID: "journal.get_flow_budget", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "context", Kind: effects.KindBytes}, {Name: "peer", Kind: effects.KindBytes}}},
	{ID: "journal.charge_flow_budget", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "context", Kind: effects.KindBytes}, {Name: "peer", Kind: effects.KindBytes}, {Name: "cost", Kind: effects.KindUint}}},
	{ID: "journal.set_flow_budget", Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "context", Kind: effects.KindBytes}, {Name: "peer", Kind: effects.KindBytes}, {Name: "limit", Kind: effects.KindUint}, {Name: "epoch", Kind: effects.KindUint}}},
	{ID: "journal.rotate_epoch", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "context", Kind: effects.KindBytes}, {Name: "peer", Kind: effects.KindBytes}}},
	{ID: "journal.merge_flow_budget", Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "context", Kind: effects.KindBytes}, {Name: "peer", Kind: effects.KindBytes}, {Name: "limit", Kind: effects.KindUint}, {Name: "spent", Kind: effects.KindUint}, {Name: "epoch", Kind: effects.KindUint}}},
	{ID: "journal.stats", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	// plugins/transport
	{ID: "network.send_envelope", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "envelope", Kind: effects.KindMap}}},
	{ID: "network.receive_envelope", Result: effects.KindAny, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "destination", Kind: effects.KindAny, Optional: true}}},
	{ID: "network.receive_envelope_from", Result: effects.KindAny, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "source", Kind: effects.KindAny}, {Name: "context", Kind: effects.KindAny}, {Name: "destination", Kind: effects.KindAny, Optional: true}}},
	{ID: "network.connected_peers", Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "self", Kind: effects.KindAny, Optional: true}}},
	{ID: "network.is_channel_established", Result: effects.KindBool, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "context", Kind: effects.KindAny}, {Name: "peer", Kind: effects.KindAny}, {Name: "self", Kind: effects.KindAny, Optional: true}}},
	// plugins/session
	{ID: "session.create", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "kind", Kind: effects.KindString}, {Name: "participants", Kind: effects.KindList}, {Name: "my_role", Kind: effects.KindString}, {Name: "ttl_ms", Kind: effects.KindInt}}},
	{ID: "session.get", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: "session.end", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: "session.list_active", Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: "session.stats", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: "session.clean_expired", Result: effects.KindInt, Determinism: effects.WritesWorld, Idempotent: true},
	// plugins/auth
	{ID: "auth.create_challenge", Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true},
	{ID: "auth.verify", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "challenge_id", Kind: effects.KindString}, {Name: "signature", Kind: effects.KindBytes}, {Name: "public_key", Kind: effects.KindBytes}, {Name: "method", Kind: effects.KindString}}},
	// plugins/invitation
	{ID: "invitation.invite", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "kind", Kind: effects.KindString}, {Name: "sender", Kind: effects.KindString}, {Name: "receiver", Kind: effects.KindString}, {Name: "ttl_ms", Kind: effects.KindInt}, {Name: "message", Kind: effects.KindString, Optional: true}}},
	{ID: "invitation.accept", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "id", Kind: effects.KindString}, {Name: "as", Kind: effects.KindString}}},
	{ID: "invitation.decline", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "id", Kind: effects.KindString}, {Name: "as", Kind: effects.KindString}}},
	{ID: "invitation.cancel", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "id", Kind: effects.KindString}, {Name: "as", Kind: effects.KindString}}},
	{ID: "invitation.get", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: "invitation.list_pending", Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "for", Kind: effects.KindString, Optional: true}}},
	{ID: "invitation.export", Result: effects.KindString, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: "invitation.import", Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "code", Kind: effects.KindString}}},
	// plugins/recovery
	{ID: "recovery.initiate", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "account", Kind: effects.KindString}, {Name: "operation", Kind: effects.KindString}, {Name: "guardians", Kind: effects.KindList}, {Name: "threshold", Kind: effects.KindInt}, {Name: "ttl_ms", Kind: effects.KindInt}}},
	{ID: "recovery.submit_approval", Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{{Name: "recovery_id", Kind: effects.KindString}, {Name: "guardian_id", Kind: effects.KindString}, {Name: "signature", Kind: effects.KindBytes}}},
	{ID: "recovery.get", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "id", Kind: effects.KindString}}},
	{ID: "recovery.list", Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: "recovery.approval_message", Result: effects.KindBytes, Determinism: effects.Pure, Idempotent: true, Params: []effects.Param{{Name: "recovery_id", Kind: effects.KindString}, {Name: "operation", Kind: effects.KindString}, {Name: "account", Kind: effects.KindString}}},
	// plugins/rendezvous
	{ID: "rendezvous.publish", Result: effects.KindMap, Determinism: effects.WritesWorld, Idempotent: true, Params: []effects.Param{{Name: "peer", Kind: effects.KindString}, {Name: "descriptor", Kind: effects.KindMap}, {Name: "validity_ms", Kind: effects.KindInt, Optional: true}}},
	{ID: "rendezvous.lookup", Result: effects.KindMap, Determinism: effects.ReadsWorld, Idempotent: true, Params: []effects.Param{{Name: "peer", Kind: effects.KindString}}},
	{ID: "rendezvous.list", Result: effects.KindList, Determinism: effects.ReadsWorld, Idempotent: true},
	{ID: "rendezvous.expire", Result: effects.KindInt, Determinism: effects.WritesWorld, Idempotent: true},
}
