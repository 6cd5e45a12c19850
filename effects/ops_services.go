package effects

// Operations of the session family, served by session.
const (
	// SessionCreate creates an active session and journals session.created.
	SessionCreate OpID = "session.create"
	// SessionGet returns the session's handle.
	SessionGet OpID = "session.get"
	// SessionEnd ends an active session and journals session.ended.
	SessionEnd OpID = "session.end"
	// SessionListActive returns the active sessions' handles (list), oldest first.
	SessionListActive OpID = "session.list_active"
	// SessionStats counts sessions by status.
	SessionStats OpID = "session.stats"
	// SessionCleanExpired journals session.expired for every expired session, and forgets it.
	SessionCleanExpired OpID = "session.clean_expired"
)

// Operations of the auth family, served by auth.
const (
	// AuthCreateChallenge issues a challenge and journals auth.challenge_issued.
	AuthCreateChallenge OpID = "auth.create_challenge"
	// AuthVerify verifies the answer to a challenge.
	AuthVerify OpID = "auth.verify"
)

// Operations of the invitation family, served by invitation.
const (
	// InvitationInvite creates a pending invitation and journals invitation.created.
	InvitationInvite OpID = "invitation.invite"
	// InvitationAccept is the invitation's receiver accepting it.
	InvitationAccept OpID = "invitation.accept"
	// InvitationDecline is the invitation's receiver declining it.
	InvitationDecline OpID = "invitation.decline"
	// InvitationCancel is the invitation's sender cancelling it.
	InvitationCancel OpID = "invitation.cancel"
	// InvitationGet returns an invitation.
	InvitationGet OpID = "invitation.get"
	// InvitationListPending returns the pending invitations.
	InvitationListPending OpID = "invitation.list_pending"
	// InvitationExport returns a pending invitation as a shareable code.
	InvitationExport OpID = "invitation.export"
	// InvitationImport records the invitation a code carries.
	InvitationImport OpID = "invitation.import"
)

// Operations of the recovery family, served by recovery.
const (
	// RecoveryInitiate opens a recovery request and journals recovery.initiated.
	RecoveryInitiate OpID = "recovery.initiate"
	// RecoverySubmitApproval records a guardian's approval.
	RecoverySubmitApproval OpID = "recovery.submit_approval"
	// RecoveryGet returns a recovery request.
	RecoveryGet OpID = "recovery.get"
	// RecoveryList returns every known request.
	RecoveryList OpID = "recovery.list"
	// RecoveryApprovalMessage returns the bytes a guardian signs to approve a request.
	RecoveryApprovalMessage OpID = "recovery.approval_message"
)

// Operations of the rendezvous family, served by rendezvous.
const (
	// RendezvousPublish publishes (or caches) a peer's descriptor.
	RendezvousPublish OpID = "rendezvous.publish"
	// RendezvousLookup returns the peer's descriptor (map).
	RendezvousLookup OpID = "rendezvous.lookup"
	// RendezvousList returns the descriptors that have not expired.
	RendezvousList OpID = "rendezvous.list"
	// RendezvousExpire drops the expired descriptors from memory.
	RendezvousExpire OpID = "rendezvous.expire"
)

// Operations of the auth family that manage the authority's device set.
const (
	// AuthEnrollDevice enrols a device key in the authority's device set,
	// signed by the agent's own (already enrolled) device.
	AuthEnrollDevice OpID = "auth.enroll_device"
	// AuthListDevices returns the device set's public keys (list of bytes).
	AuthListDevices OpID = "auth.list_devices"
)

// Operations of the recovery family that manage the guardian set.
const (
	// RecoverySetGuardians journals the authority's guardian set, signed by
	// the agent's device; each guardian's key comes from the deployment.
	RecoverySetGuardians OpID = "recovery.set_guardians"
	// RecoveryGuardians returns the authority's current guardian set.
	RecoveryGuardians OpID = "recovery.guardians"
)

// Operations of the invitation family that carry an answer back to the
// sender.
const (
	// InvitationExportAnswer returns the receiver's signed answer (accept or
	// decline) as a code for the sender.
	InvitationExportAnswer OpID = "invitation.export_answer"
	// InvitationImportAnswer records, at the sender, the receiver's signed
	// answer a code carries.
	InvitationImportAnswer OpID = "invitation.import_answer"
	// InvitationExpire journals invitation.expired for every pending
	// invitation past its expiry (the runtime's maintenance runs it).
	InvitationExpire OpID = "invitation.expire"
)
