package effects

// Operations of the ceremony family, served by the ceremony service
// plugin: guardian ceremonies, whose completion commits a pending key
// rotation and whose expiry or cancellation rolls it back.
const (
	// CeremonyPropose opens a ceremony over guardian invitations the caller sent, with a threshold.
	CeremonyPropose OpID = "ceremony.propose"
	// CeremonyAdvance counts the verified acceptances and completes, rolls back or keeps collecting.
	CeremonyAdvance OpID = "ceremony.advance"
	// CeremonyCancel rolls back a ceremony that has not completed.
	CeremonyCancel OpID = "ceremony.cancel"
	// CeremonyGet returns a ceremony and where it stands.
	CeremonyGet OpID = "ceremony.get"
	// CeremonyList returns every known ceremony, oldest first.
	CeremonyList OpID = "ceremony.list"
)
