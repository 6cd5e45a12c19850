package agent

// AddServiceKind adds a builtin service kind for the test's duration.
func AddServiceKind(k ServiceKind) (remove func()) {
	serviceKinds[k.Kind] = k
	return func() { delete(serviceKinds, k.Kind) }
}
