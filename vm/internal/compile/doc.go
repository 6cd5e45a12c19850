// Package compile turns a projected protocol into instructions: one code
// listing per role (Opcode, Instr, Arm, RoleCode), the monitor states
// each instruction is checked against, the numbered edges of the
// session, and compiled expressions (EvalFn). It is internal: only the
// machine (package vm) reads bytecode. Everyone else asks vm.Program and
// vm.RoleCode, whose methods answer what reports need.
//
// # Imports
//
// compile imports effects, vm/syntax, vm/project and vm/internal/builtin,
// and nothing else of the project. It never touches the operating system.
//
// # Invariants
//
//   - Every branch of every choice is compiled; shared continuations are
//     compiled once. A Program is immutable after Compile: any number of
//     machines run it concurrently.
//   - Every instruction but jump and yield carries the monitor state it
//     implements, and every arm the state after it: the machine checks
//     each step against the local type, not against the compiled control
//     flow alone.
//   - Compiled expressions are pure functions of a role's registers.
package compile
