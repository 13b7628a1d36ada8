package referral

import "strings"

// PatientWords says a referral's state to its patient in plain words, and what happens next.
func PatientWords(r Referral, phone string) (status, next string) {
	call := "call the practice"
	if phone != "" {
		call = "call the practice at " + phone
	}
	switch r.Status {
	case Received, Accepted:
		return "The practice has your referral", "They will call you by " + r.ContactBy.UTC().Format("Monday, January 2") + " to book a visit."
	case NeedsInfo:
		return "The practice is checking a few details", "They asked your doctor's office a question and will call you after."
	case Contacted:
		return "The practice is trying to reach you", "Watch for their call, or " + call + " to book."
	case Scheduled:
		return "Your appointment is booked", "Bring a photo ID and your insurance card. To change the time, " + call + "."
	case NoShow:
		return "You missed your appointment", "To book a new time, " + call + "."
	case Seen:
		return "You have been seen", "Your care team will tell you about any next steps."
	case Closed:
		return "This referral is complete", "Nothing more to do. Questions? " + strings.ToUpper(call[:1]) + call[1:] + "."
	case Declined:
		return "The practice can't take this referral", "Your doctor's office has been told and will help you find another option."
	case Unreachable:
		return "The practice could not reach you", "To book a visit, " + call + "."
	case Cancelled:
		return "This referral was cancelled", "If you did not expect this, call your doctor's office."
	}
	return string(r.Status), ""
}
