package messages

// IntakeConfirm asks whoever filled in a practice's patient referral form (/r/{slug}) to confirm
// it by its link (to the address they gave). It names the practice by its display name for
// patients only, and says nothing of the patient or the reason: the form's words stay behind the
// link until it is confirmed.
type IntakeConfirm struct {
	DisplayName   string // the practice's name for patients
	PracticePhone string // may be empty
	Link          string // the single-use confirmation link: a token, no PHI
	Hours         int    // how long the link works
}
