// Package session is the built-in session service: it creates, tracks and
// ends the coordination and threshold sessions of an authority (AURA-SPEC
// §5, SessionServiceApi). Its operations form the "session" family; New
// returns the plugin declaration, served by aura-host as
// `aura-host plugin serve session`.
//
// A session is created active, with a time to live, and leaves that state
// once: ended by end, or expired when the clock passes its expiry.
// clean_expired (also run once at Start, as the platform's lifecycle
// manager does) records each expiry and forgets the session.
//
// Facts journaled (type "session"; each fact's time is the event's time,
// expires_ms for an expiry; body fields):
//
//   - session.created {id, kind, participants, my_role, epoch, started_ms, expires_ms}
//   - session.ended   {id, ended_ms}
//   - session.expired {id, expires_ms}
//
// Invariants a newcomer must not break:
//
//   - State is derived from those facts only; a restarted instance replays
//     them and answers as before. Time comes from the clock effect,
//     identifiers from the random effect, never from the process.
//   - Ended and expired are terminal: a second end, or an end after
//     expiry, is a conflict, and nothing is journaled for it.
//
// The package imports only sdk, effects and plugins/internal/service from
// the project.
package session
