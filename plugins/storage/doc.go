// Package storage is the built-in storage plugin: a durable key-value
// store of bytes under string keys, backed by one bbolt database file. Its
// operations form the "storage" family; New returns the plugin declaration,
// served by aura-host as `aura-host plugin serve storage`.
//
// Invariants a newcomer must not break:
//
//   - Every operation that changes data returns only after bbolt has
//     committed and fsynced it: a value a caller was told is stored
//     survives a crash of the plugin, the host or the machine.
//   - The database is opened in Configure with a bounded lock timeout; a
//     file held by another process is a configuration error placed on the
//     path attribute, never a hang. bbolt's file lock is released when the
//     process exits, so the plugin relies on process exit to close it.
//   - Keys are non-empty strings of at most 32 KiB; they are listed in
//     byte order. Absence is the not_found error of retrieve, never an empty
//     value: an empty value is a value.
//
// The operations' declarations and the argument readers live in
// plugins/internal/storageops, shared with sim-storage, which serves the
// same operations from memory: one declaration, one set of key rules and
// errors for both.
//
// The package imports only sdk and plugins/internal (storageops, boltfile)
// from the project.
package storage
