// Package outreach holds the outreach workflow: touches (a visit, call, email… with a partner, its
// response and an optional follow-up), the due list, the "who to reach out to" ranking, the
// attribution of referrals to touches, and the practice's message templates. It imports no AWS SDK.
//
// The product's choices follow what practices who do this well say (see /work/shared/seeds): a
// steady rhythm that helps rather than nags (a gentle warning after more than three unanswered
// touches in 30 days), every touch and its response written down, a named owner for each
// follow-up, thanks after a first referral and after a patient was seen, and numbers that show
// whether outreach is followed by referrals.
package outreach

import (
	"strconv"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/valid"
)

// Channels of a touch.
var Channels = []string{"visit", "call", "email", "lunch", "event", "letter", "other"}

// Responses to a touch.
var Responses = []string{ResponseNone, "positive", "neutral", "declined"}

// ResponseNone is a touch nobody answered (yet).
const ResponseNone = "none"

// Automatic is the "who" of a touch Referloop made itself (an automatic thank-you).
const Automatic = "automatic"

// MaxSummary is the longest summary of a touch, in characters.
const MaxSummary = 1000

// Touch is one contact with a partner.
type Touch struct {
	ID        string `json:"id"`
	PartnerID string `json:"partnerId"`
	// Date is the day of the touch as the practice sees it (YYYY-MM-DD, its local date).
	Date     string `json:"date"`
	Channel  string `json:"channel"`
	Who      string `json:"who"`
	Summary  string `json:"summary"`
	Response string `json:"response"`
	// FollowUp is the next step, when one was set.
	FollowUp  *FollowUp `json:"followUp,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"`
	// Event names what made an automatic touch (e.g. "first-referral", "seen"); empty for a person's.
	Event string `json:"event,omitempty"`
}

// FollowUp is a follow-up of a touch: due on a day, owned by a team member, done or not.
type FollowUp struct {
	Due    string     `json:"due"`
	Owner  string     `json:"owner"`
	DoneAt *time.Time `json:"doneAt,omitempty"`
	DoneBy string     `json:"doneBy,omitempty"`
}

// Open reports whether the touch has a follow-up not done yet.
func (t Touch) Open() bool { return t.FollowUp != nil && t.FollowUp.DoneAt == nil }

// Input is what staff send to log a touch.
type Input struct {
	Date          string `json:"date"`
	Channel       string `json:"channel"`
	Who           string `json:"who,omitempty"`
	Summary       string `json:"summary"`
	Response      string `json:"response,omitempty"`
	FollowUpDate  string `json:"followUpDate,omitempty"`
	FollowUpOwner string `json:"followUpOwner,omitempty"`
}

// Touch checks the input and makes the touch, for partner pid, by member me (the default who),
// with id. today is the practice's date: a touch may not be dated in the future (more than a day
// ahead, for time zones) nor more than five years back; a follow-up may not be before the touch.
func (in Input) Touch(id, pid, me string, today string, now time.Time) (Touch, error) {
	var f valid.Fields
	t := Touch{ID: id, PartnerID: pid, Channel: in.Channel, Who: strings.TrimSpace(in.Who), Summary: strings.TrimSpace(in.Summary),
		Response: in.Response, CreatedAt: now.UTC(), CreatedBy: me}
	date, ok := ParseDay(in.Date)
	todayT, _ := ParseDay(today)
	switch {
	case in.Date == "":
		f.Add("date", "is required")
	case !ok:
		f.Add("date", "must be a date, YYYY-MM-DD")
	case date.After(todayT.AddDate(0, 0, 1)):
		f.Add("date", "must not be in the future")
	case date.Before(todayT.AddDate(-5, 0, 0)):
		f.Add("date", "must be within the last five years")
	}
	t.Date = in.Date
	if !oneOf(in.Channel, Channels) {
		f.Add("channel", "must be one of "+strings.Join(Channels, ", "))
	}
	if t.Response == "" {
		t.Response = ResponseNone
	}
	if !oneOf(t.Response, Responses) {
		f.Add("response", "must be one of "+strings.Join(Responses, ", "))
	}
	if t.Who == "" {
		t.Who = me
	}
	checkMember(&f, "who", t.Who)
	f.Lines("summary", t.Summary, MaxSummary, false)
	if in.FollowUpDate != "" {
		due, ok := ParseDay(in.FollowUpDate)
		switch {
		case !ok:
			f.Add("followUpDate", "must be a date, YYYY-MM-DD")
		case !date.IsZero() && due.Before(date):
			f.Add("followUpDate", "must not be before the touch's date")
		case due.After(todayT.AddDate(2, 0, 0)):
			f.Add("followUpDate", "must be within two years")
		}
		owner := strings.TrimSpace(in.FollowUpOwner)
		if owner == "" {
			owner = t.Who
		}
		checkMember(&f, "followUpOwner", owner)
		t.FollowUp = &FollowUp{Due: in.FollowUpDate, Owner: owner}
	} else if in.FollowUpOwner != "" {
		f.Add("followUpOwner", "needs a followUpDate")
	}
	return t, f.Err()
}

// checkMember checks the form of a member id (an email key: 32 lowercase hex digits).
func checkMember(f *valid.Fields, field, id string) {
	if !IsMemberID(id) {
		f.Add(field, "must be a team member's id")
	}
}

// IsMemberID reports whether id has the form of a team member's id.
func IsMemberID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if v == x {
			return true
		}
	}
	return false
}

// ParseDay reads a YYYY-MM-DD date (as midnight UTC, a day's name, not an instant).
func ParseDay(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil && len(s) == 10
}

// DayOf names the UTC day of t.
func DayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Warning is the gentle warning about a partner contacted often without an answer.
type Warning struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// QuietLimit is how many unanswered touches in QuietDays are fine; more get the warning.
const (
	QuietLimit = 3
	QuietDays  = 30
)

// Warnings looks at a partner's touches (any order) at today: more than QuietLimit touches in the
// QuietDays days to today, none of which got a response, get a gentle warning. Automatic touches
// (thank-yous after a referral) are not outreach and do not count.
func Warnings(touches []Touch, today string) []Warning {
	end, ok := ParseDay(today)
	if !ok {
		return []Warning{}
	}
	start := end.AddDate(0, 0, -(QuietDays - 1))
	n := 0
	for _, t := range touches {
		d, ok := ParseDay(t.Date)
		if !ok || d.Before(start) || d.After(end) || t.Who == Automatic {
			continue
		}
		if t.Response != ResponseNone {
			return []Warning{}
		}
		n++
	}
	if n > QuietLimit {
		return []Warning{{Code: "many-unanswered", Detail: "This partner got " + strconv.Itoa(n) +
			" touches in the last 30 days with no response. A pause, or one useful update, may land better than another reminder."}}
	}
	return []Warning{}
}
