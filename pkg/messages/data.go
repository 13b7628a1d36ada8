package messages

import (
	"time"

	"github.com/referloop/referloop/pkg/referral"
)

// The data of each message. None has a field for a patient's name, date of birth, phone, email or
// reason (TestNoFieldForPHI): what a message says about a patient, it says with a reference and a
// link. Links are whole URLs.

// SignupConfirm asks whoever signed a practice up to confirm their address (to them).
type SignupConfirm struct {
	Practice string // the name they gave the practice
	Link     string
	Code     string // the link code, for opening the link on another device
}

// SigninLink carries one sign-in link per practice the address may sign in to (to that address).
type SigninLink struct {
	Links []PracticeLink
	Code  string // the link code, for opening a link on another device
}

// PracticeLink is a sign-in link to one practice.
type PracticeLink struct {
	Practice string
	As       string // what it signs in as, in words: "as practice staff", "to refer patients"
	Link     string
}

// Invitation invites a referrer to send referrals to a practice (to the referrer).
type Invitation struct {
	Name       string // the referrer's, as the practice wrote it; may be empty
	Practice   string
	Link       string // a sign-in link
	NewLinkURL string // where to ask for another one: the practice's public page
}

// MemberInvitation invites a person to a practice's staff (to that person).
type MemberInvitation struct {
	Name      string // theirs, as the owner wrote it; may be empty
	Practice  string
	InvitedBy string // the name (or address) of the owner who invited them
	Owner     bool   // invited as an owner
	Link      string // the invitation link
	SigninURL string // where to ask for a sign-in link later
}

// Received acknowledges a new referral (to its referrer).
type Received struct {
	Referrer  string // the referrer's name; may be empty
	Practice  string
	Ref       string
	Received  time.Time
	ContactBy time.Time
	Link      string
}

// NewReferral tells the practice's intake contact a referral arrived.
type NewReferral struct {
	Ref       string
	Urgent    bool
	Partner   string // the referring office
	ContactBy time.Time
	Link      string
}

// What a patient gets names the practice by the neutral name it chose for patients
// (DisplayName: practice.Profile.PatientName), never by its own name nor the referring office's: a
// name like "Bravo Oncology" tells a diagnosis to whoever reads the patient's mail or phone
// (TestPatientMessagesNameNoPractice).

// PatientCode gives the patient the code that shows them where their referral stands (to the
// patient, who consented to be contacted).
type PatientCode struct {
	DisplayName   string // the practice's name for patients
	PracticePhone string // may be empty
	StatusURL     string
	Code          string
}

// PatientCodeSMS is PatientCode as a text message.
type PatientCodeSMS struct {
	DisplayName string // the practice's name for patients
	StatusURL   string
	Code        string
}

// Question asks the referrer to answer the practice's question (its words are behind the link).
type Question struct {
	Referrer string
	Practice string
	Ref      string
	Link     string
}

// Answered tells the practice's intake contact the referrer answered.
type Answered struct {
	Ref  string
	Link string
}

// StatusUpdate tells the referrer a referral moved (only moves they may see:
// referral.ReferrerSeesMove).
type StatusUpdate struct {
	Referrer    string
	Practice    string
	Ref         string
	Status      referral.Status // as the referrer may see it (Status.ForReferrer)
	Appointment time.Time       // when scheduled; zero otherwise
	Decline     string          // the decline reason code (referral.DeclineReasons) when declined
	Link        string
	// Rescheduled: the referral stays scheduled and its appointment moved (to Appointment).
	Rescheduled bool
}

// Closed tells the referrer the loop is closed and asks them to rate the handoff.
type Closed struct {
	Referrer string
	Practice string
	Ref      string
	Link     string
	RateURL  string // the rating link without its score; empty: no rating asked
}

// PatientUpdate tells the patient where their referral stands (to the patient).
type PatientUpdate struct {
	Words         string // referral.PatientWords's status: fixed words, no practice text
	DisplayName   string // the practice's name for patients
	PracticePhone string // may be empty
	StatusURL     string
}

// Digest lists the day's moves of a referrer's referrals (to the referrer).
type Digest struct {
	Referrer string
	Practice string
	Day      time.Time
	Items    []DigestItem
}

// DigestItem is one move in a digest.
type DigestItem struct {
	Ref    string
	Status referral.Status // as the referrer may see it
	Link   string
}
