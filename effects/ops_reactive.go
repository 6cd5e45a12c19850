package effects

// Operations of the reactive family. No plugin serves them: the agent
// runtime hosts the reactive pipeline in process (host/reactive, declared
// in HCL as service "NAME" { builtin = "reactive" }), because it must see
// every fact the agent's journal commits, which only the agent's Router
// does.
const (
	// ReactiveRegister registers a signal from a declarative definition.
	ReactiveRegister OpID = "reactive.register"
	// ReactiveRead returns a signal's current value.
	ReactiveRead OpID = "reactive.read"
	// ReactiveEmit sets the value of a signal registered as emit-able.
	ReactiveEmit OpID = "reactive.emit"
	// ReactiveList describes every registered signal.
	ReactiveList OpID = "reactive.list"
)

// ReactiveDefinitionDoc describes the definition a reactive.register takes.
const ReactiveDefinitionDoc = "the signal's definition, a map with name (1 to 128 letters, digits, '_', '-', '.' or ':') " +
	"and exactly one of: source {predicate?, type?, authority?} with reduce (\"count\", \"latest\": the newest fact's body, " +
	"\"ids\": the sorted fact IDs, \"sum\": the sum of the int body field named by field) — reduced over the journal's " +
	"facts that match every given field; emit = true (an application signal, set by reactive.emit) with initial?; " +
	"map = SIGNAL with fn (\"len\", \"not\", \"present\", \"field\" with field); combine = [SIGNAL, ...] (a map " +
	"of each signal's value by name); filter = SIGNAL with match {op: eq|ne|lt|le|gt|ge|present|absent, value?, " +
	"field?} (the input's latest value that matched)"

// ReactiveOps are the declarations of the reactive family, which the
// agent runtime registers for a reactive service.
func ReactiveOps() []OpSpec {
	signal := Param{Name: "signal", Kind: KindString, Doc: "the signal's name"}
	return []OpSpec{
		{
			ID: ReactiveRegister,
			Doc: "Registers a signal and returns its current value. A source signal is first reduced over the " +
				"matching facts already in the journal, then kept up to date as facts commit. Registering the same " +
				"definition again changes nothing; another definition under a taken name is a conflict unless " +
				"replace is true. An unknown input signal is not_found, a definition that would make derived " +
				"signals depend on themselves is invalid_args.",
			Params: []Param{
				{Name: "definition", Kind: KindMap, Doc: ReactiveDefinitionDoc},
				{Name: "replace", Kind: KindBool, Optional: true, Doc: "replace a signal registered under the same name; default false"},
			},
			Result:      KindAny,
			Idempotent:  true,
			Determinism: WritesWorld,
		},
		{
			ID: ReactiveRead,
			Doc: "Returns a signal's current value, after every fact committed before the call has been reduced " +
				"into it. An unknown signal is not_found.",
			Params:      []Param{signal},
			Result:      KindAny,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
		{
			ID: ReactiveEmit,
			Doc: "Sets the value of an application signal (registered with emit = true) and updates what derives " +
				"from it; a signal reduced from facts or derived from others is denied.",
			Params: []Param{signal,
				{Name: "value", Kind: KindAny, Doc: "the new value (its canonical encoding at most 64 KiB)"}},
			Result:      KindNull,
			Idempotent:  true,
			Determinism: WritesWorld,
		},
		{
			ID: ReactiveList,
			Doc: "Describes every signal, by name: a list of {name, definition (as registered, normalised), " +
				"subscribers (int)}.",
			Result:      KindList,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
	}
}
