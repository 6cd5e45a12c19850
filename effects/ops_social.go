package effects

// Operations of the social family, served in process by the agent's
// social_manager service (host/social).
const (
	// SocialNeighbourhood returns the agent's homes and neighbourhood, derived from its journaled relationships.
	SocialNeighbourhood OpID = "social.neighbourhood"
	// SocialSelectRelays returns relay candidates of the neighbourhood, spread across homes.
	SocialSelectRelays OpID = "social.select_relays"
)

// Operations of the selection family, served in process by the agent's
// selection service (host/social).
const (
	// SelectionProfile returns the per-destination profile: path, descriptor, health and permit.
	SelectionProfile OpID = "selection.profile"
	// SelectionSetPrivacy turns privacy mode (paths through relays) on or off.
	SelectionSetPrivacy OpID = "selection.set_privacy"
)
