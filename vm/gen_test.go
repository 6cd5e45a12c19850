package vm

import (
	"fmt"
	"slices"
	"strings"
)

// protoGen writes random well-formed protocols in the HCL language. By
// construction every choice informs every other role with a
// branch-specific message from the decider right after the decision, so
// every role can follow every choice; every loop ends with a choice
// between a Stop and an Again branch; bindings are referenced only where
// the role has bound them on every path.
type protoGen struct {
	rng    *splitmix
	roles  []string // concrete roles
	family string   // "" or the family name
	fam    int      // family size
	n      int      // fresh-name counter
	b      strings.Builder
	loops  int
}

// genEnv maps a role to the bindings it may reference.
type genEnv map[string][]string

func (e genEnv) clone() genEnv {
	out := genEnv{}
	for k, v := range e {
		out[k] = slices.Clone(v)
	}
	return out
}

func (e genEnv) bind(role, name string) {
	if !slices.Contains(e[role], name) {
		e[role] = append(e[role], name)
	}
}

func genProtocol(seed uint64) string {
	rng := splitmix(seed)
	g := &protoGen{rng: &rng}
	var decl []string
	for i := range 2 + g.rng.intn(3) {
		r := fmt.Sprintf("R%d", i)
		g.roles = append(g.roles, r)
		decl = append(decl, fmt.Sprintf("%q", r))
	}
	if g.rng.intn(3) == 0 {
		g.family, g.fam = "F", 1+g.rng.intn(3)
		decl = append(decl, fmt.Sprintf("%q", fmt.Sprintf("F[%d]", g.fam)))
		for i := range g.fam {
			g.roles = append(g.roles, fmt.Sprintf("F[%d]", i))
		}
	}
	fmt.Fprintf(&g.b, "protocol \"gen_%d\" {\n  roles = [%s]\n\n", seed, strings.Join(decl, ", "))
	g.block(genEnv{}, 3, 1)
	g.b.WriteString("}\n")
	return g.b.String()
}

func (g *protoGen) fresh() int { g.n++; return g.n }

func (g *protoGen) line(indent int, format string, args ...any) {
	g.b.WriteString(strings.Repeat("  ", indent))
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

func (g *protoGen) pick(list []string) string { return list[g.rng.intn(len(list))] }

func (g *protoGen) pair() (string, string) {
	a := g.pick(g.roles)
	for {
		if b := g.pick(g.roles); b != a {
			return a, b
		}
	}
}

// expr returns an expression over role's bindings.
func (g *protoGen) expr(env genEnv, role string) string {
	names := env[role]
	switch k := g.rng.intn(5); {
	case k == 0 || len(names) == 0:
		return fmt.Sprint(g.rng.intn(1000))
	case k == 1:
		return fmt.Sprintf("[%q, %d]", "$"+g.pick(names), g.rng.intn(9))
	case k == 2:
		return fmt.Sprintf("{ a = %q, b = \"text\" }", "$"+g.pick(names))
	}
	return fmt.Sprintf("%q", "$"+g.pick(names))
}

func (g *protoGen) block(env genEnv, depth, indent int) {
	for range 1 + g.rng.intn(5) {
		switch k := g.rng.intn(12); {
		case k < 5:
			g.send(env, indent)
		case k < 8:
			g.action(env, indent)
		case k < 10 && depth > 0:
			g.choice(env, depth, indent)
		case k < 11 && depth > 0 && g.loops < 3:
			g.loop(env, depth, indent)
		case g.family != "":
			g.familySend(env, indent)
		default:
			g.send(env, indent)
		}
	}
}

func (g *protoGen) send(env genEnv, indent int) {
	from, to := g.pair()
	n := g.fresh()
	g.line(indent, "send %q %q \"M%d\" {", from, to, n)
	switch g.rng.intn(3) {
	case 1:
		g.line(indent+1, "value = host()")
		g.line(indent+1, "sort  = \"bytes\"")
		g.line(indent+1, "bind  = \"v%d\"", n)
		env.bind(to, fmt.Sprintf("v%d", n))
	case 2:
		g.line(indent+1, "value = %s", g.expr(env, from))
		if g.rng.intn(2) == 0 {
			g.line(indent+1, "bind  = \"v%d\"", n)
			env.bind(to, fmt.Sprintf("v%d", n))
		}
	}
	g.line(indent, "}")
}

func (g *protoGen) familySend(env genEnv, indent int) {
	single := g.pick(g.roles[:len(g.roles)-g.fam])
	n := g.fresh()
	if g.rng.intn(2) == 0 {
		g.line(indent, "send %q \"F[*]\" \"M%d\" {", single, n)
		g.line(indent+1, "value = %s", g.expr(env, single))
		g.line(indent+1, "bind  = \"v%d\"", n)
		g.line(indent, "}")
		for i := range g.fam {
			env.bind(fmt.Sprintf("F[%d]", i), fmt.Sprintf("v%d", n))
		}
		return
	}
	g.line(indent, "send \"F[*]\" %q \"M%d\" {", single, n)
	g.line(indent+1, "value = index()")
	g.line(indent+1, "bind  = \"v%d[*]\"", n)
	g.line(indent, "}")
	env.bind(single, fmt.Sprintf("v%d", n))
}

func (g *protoGen) action(env genEnv, indent int) {
	role := g.pick(g.roles)
	n := g.fresh()
	switch g.rng.intn(5) {
	case 0:
		g.line(indent, "set %q \"s%d\" {", role, n)
		g.line(indent+1, "value = %s", g.expr(env, role))
		g.line(indent, "}")
		env.bind(role, fmt.Sprintf("s%d", n))
	case 1:
		g.line(indent, "invoke %q \"test.echo\" {", role)
		g.line(indent+1, "args   = { x = %s }", g.expr(env, role))
		g.line(indent+1, "result = \"e%d\"", n)
		g.line(indent, "}")
		env.bind(role, fmt.Sprintf("e%d", n))
	case 2:
		g.line(indent, "now %q {", role)
		g.line(indent+1, "result = \"t%d\"", n)
		g.line(indent, "}")
		env.bind(role, fmt.Sprintf("t%d", n))
	case 3:
		g.line(indent, "random %q {", role)
		g.line(indent+1, "bytes  = 8")
		g.line(indent+1, "result = \"r%d\"", n)
		g.line(indent, "}")
		env.bind(role, fmt.Sprintf("r%d", n))
	default:
		guard := fmt.Sprintf("g%d", g.rng.intn(2))
		g.line(indent, "acquire %q %q {}", role, guard)
		g.line(indent, "now %q {}", role)
		g.line(indent, "release %q %q {}", role, guard)
	}
}

// inform sends every role but the decider and the receiver a message
// that names the branch.
func (g *protoGen) inform(decider, receiver, label string, indent int) {
	for _, r := range g.roles {
		if r != decider && r != receiver {
			g.line(indent, "send %q %q %q {}", decider, r, label)
		}
	}
}

func (g *protoGen) choice(env genEnv, depth, indent int) {
	d, r := g.pair()
	n := g.fresh()
	branches := 2 + g.rng.intn(2)
	g.line(indent, "choice %q {", d)
	if g.rng.intn(4) == 0 {
		g.line(indent+1, "decide = \"C%d_%d\"", n, g.rng.intn(branches))
	}
	for i := range branches {
		g.line(indent+1, "branch \"C%d_%d\" {", n, i)
		g.line(indent+2, "send %q %q \"C%d_%d\" {}", d, r, n, i)
		g.inform(d, r, fmt.Sprintf("I%d_%d", n, i), indent+2)
		g.block(env.clone(), depth-1, indent+2)
		g.line(indent+1, "}")
	}
	g.line(indent, "}")
}

func (g *protoGen) loop(env genEnv, depth, indent int) {
	g.loops++
	n := g.fresh()
	d, r := g.pair()
	g.line(indent, "rec \"L%d\" {", n)
	inner := env.clone()
	g.block(inner, depth-1, indent+1)
	g.line(indent+1, "choice %q {", d)
	g.line(indent+2, "branch \"Stop%d\" {", n)
	g.line(indent+3, "send %q %q \"Stop%d\" {}", d, r, n)
	g.inform(d, r, fmt.Sprintf("IS%d", n), indent+3)
	g.line(indent+2, "}")
	g.line(indent+2, "branch \"Again%d\" {", n)
	g.line(indent+3, "send %q %q \"Again%d\" {}", d, r, n)
	g.inform(d, r, fmt.Sprintf("IA%d", n), indent+3)
	if g.rng.intn(2) == 0 {
		g.block(inner.clone(), 0, indent+3)
	}
	g.line(indent+3, "continue \"L%d\" {}", n)
	g.line(indent+2, "}")
	g.line(indent+1, "}")
	g.line(indent, "}")
}
