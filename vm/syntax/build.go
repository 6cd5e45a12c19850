package syntax

// buildGlobal turns a checked step list into a global type. It builds
// from the end: each step's continuation is the rest of its list, then k,
// the continuation of the enclosing block. The continuation after a
// choice or a loop is built once and shared by every path into it.
func buildGlobal(steps []*step, k *Global) *Global {
	g := k
	for i := len(steps) - 1; i >= 0; i-- {
		g = buildStep(steps[i], g)
	}
	return g
}

func buildStep(s *step, next *Global) *Global {
	switch s.kind {
	case stepSend:
		return &Global{Kind: GComm, From: s.roles[0].String(), To: s.roles[1].String(), Range: s.rng,
			Branches: []*GBranch{{Label: Label{s.label, s.sort}, Value: s.value, Bind: s.bind, Next: next, Range: s.rng}}}
	case stepChoice:
		g := &Global{Kind: GComm, From: s.roles[0].String(), Decide: s.decide, Range: s.rng}
		for _, b := range s.branches {
			first := b.steps[0]
			g.To = first.roles[1].String()
			g.Branches = append(g.Branches, &GBranch{Label: Label{first.label, first.sort}, Value: first.value, Bind: first.bind,
				Next: buildGlobal(b.steps[1:], next), Range: first.rng})
		}
		return g
	case stepRec:
		return &Global{Kind: GRec, Var: s.name, Body: buildGlobal(s.body, next), Range: s.rng}
	case stepContinue:
		return &Global{Kind: GVar, Var: s.name, Range: s.rng}
	case stepAction:
		return &Global{Kind: GAction, Role: s.roles[0].String(), Action: s.action, Next: next, Range: s.rng}
	}
	panic("vm: unknown step kind")
}
