// Package storageops is what the storage plugin and sim-storage, its
// in-memory stand-in, share: the declarations of the "storage" family's
// operations (Operations, served by the Handlers each plugin passes) and
// the readers of their arguments (KeyArg, EntriesArg, KeysArg, with the
// key rules and MaxKeySize). Both plugins declare their storage operations
// and read their arguments here, so they accept the same keys and refuse
// the rest with the same errors, and a swap by HCL breaks no caller.
//
// Invariants a newcomer must not break:
//
//   - Keys are non-empty strings of at most MaxKeySize bytes, checked by
//     the readers before any handler touches data; a bad key or entry is an
//     invalid_args error naming the argument, never a partial write.
//   - MaxKeySize is bbolt's limit, written out so that sim-storage need not
//     link bbolt; the storage plugin's tests check that the two agree.
//   - Operations only declares; the package holds no data.
//
// The package imports only sdk and effects from the project, never a
// plugin: it is imported by plugins/storage and plugins/simstorage.
package storageops
