package practice

import "time"

// InvitationTTL is how long an invitation's link works (single use).
const InvitationTTL = 7 * 24 * time.Hour

// Invitation is a pending invitation of a person (a staff member or a referrer) to a practice: the
// newest link sent (by its token's hash, so that revoking it can delete it), when, by whom, until
// when it works. It is removed when the person first signs in.
type Invitation struct {
	SentAt    time.Time `json:"sentAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// By is the address of the staff member who sent it (or resent it last).
	By       string `json:"by"`
	Sends    int    `json:"sends"`
	LinkHash string `json:"linkHash"`
	// Rejoin marks the invitation of a person the practice had deactivated: revoking it deactivates
	// them again instead of removing them (they may have referrals and a history).
	Rejoin bool `json:"rejoin,omitempty"`
}
