// Package console is the built-in console plugin: log lines at four levels,
// each with an optional map of structured fields. Its operations form the
// "console" family; New returns the plugin declaration, served by aura-host
// as `aura-host plugin serve console`.
//
// Lines go to the logger the SDK hands the plugin in Configure. In a plugin
// process that logger writes JSON to stderr, which the host forwards into
// its own log under the plugin's name; the host's log level therefore
// decides which lines are kept.
//
// Invariant a newcomer must not break: a log call never fails because of
// what it logs. Every field value, of any kind, is rendered; the only
// errors are the SDK's argument checks.
//
// The package imports only sdk and effects from the project.
package console
