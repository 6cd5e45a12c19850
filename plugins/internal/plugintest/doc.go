// Package plugintest holds what the tests of the built-in plugins share:
// building argument maps (Args, Strs), calling an operation served by an
// sdktest harness and checking its answer (Must, Fails, Check, Field, Str,
// Int), scripted sessions of calls (Step, Run), and a bound on waits for a
// condition (WaitCtx). The service plugins' fake host is servicetest's.
//
// It is imported only by tests, and imports only sdk and effects from the
// project.
package plugintest
