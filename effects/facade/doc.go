// Package facade holds the typed clients of the effect families and the
// services: Go methods that build an operation's arguments and decode its
// result, so that callers write
//
//	fx := facade.New(router)
//	kp, err := fx.Crypto.GenerateKeypair(ctx)
//	sig, err := fx.Crypto.Sign(ctx, msg, kp.Private)
//
// instead of assembling effects.Value maps by hand. A facade calls through
// one Invoker — any effects.Handler: the host's Router, an
// effects.Registry, a plugin client, a fake in a test — so it adds nothing
// to the call path and cannot bypass the guard chain.
//
// Clients bundles one client per family: Crypto, Storage, Clock, Random,
// Console, Journal and Network (the effect handlers) and Sessions, Auth,
// Invitations, Recovery and Rendezvous (the service plugins). Each method
// calls exactly one operation; the op IDs and argument names are those the
// built-in plugins declare.
//
// Errors. An error from the invoker is returned unchanged, so callers match
// it by code: errors.Is(err, effects.ErrNotFound) after Storage.Retrieve of
// an absent key. A result the facade cannot decode — a missing field, a
// wrong kind, a wrong size — is an *effects.Error with code internal naming
// the operation, whose cause is a *ShapeError naming the field.
//
// Contracts. Every method declares, beside it, the operation it calls, the
// arguments it sends and the result kind it decodes. Contracts lists them,
// and CheckSpecs compares them with the OpSpecs a plugin declares, while
// CheckResult decodes a result the plugin really returned with the method
// that calls its operation: a plugin's own test can call both to learn,
// before any user does, that a change to its operations breaks the facade
// (effects may not import plugins, so the check lives with the plugin).
//
// This package imports only effects from the project (see ARCHITECTURE.md):
// it must stay usable by host, sdk users, plugins and tests alike.
//
// Invariants a newcomer must not break:
//   - A method makes exactly one call and never retries: retrying is the
//     router's decision, taken from the operation's idempotent flag.
//   - Decoders ignore result fields they do not know, so plugins can add
//     fields; they never guess a value for a field that is missing.
package facade
