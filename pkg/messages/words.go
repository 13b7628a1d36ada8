package messages

import (
	"strconv"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/referral"
)

// The words of every message, one method per data type. Each first makes every string of its data
// one line (d is a copy: the caller's data is left as it was).

// hello is the greeting: "Hello Dr. Byron," or, without a name, "Hello,".
func hello(name string) string {
	if name == "" {
		return "Hello,"
	}
	return "Hello " + name + ","
}

// day is a date: Jan 2, 2006. when is a date and time with its zone's abbreviation: Tue Dec 1,
// 11:09 AM EST. Both read t in its own location: the notifier gives times in the practice's time
// zone (practice.Profile.Location), so every email tells local time.
func day(t time.Time) string  { return t.Format("Jan 2, 2006") }
func when(t time.Time) string { return t.Format("Mon Jan 2, 3:04 PM MST") }

// statusWords is a status in a referrer's sentence: "Referral R-1 is now <words>".
func statusWords(s referral.Status) string {
	switch s {
	case referral.NeedsInfo:
		return "waiting for your answer"
	case referral.NoShow:
		return "a missed appointment"
	}
	return string(s)
}

// words turns a code such as not-a-match into words.
func words(code string) string { return strings.ReplaceAll(code, "-", " ") }

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// callUs is the line that gives a patient the practice's phone, when it has one.
func callUs(phone string) string {
	if phone == "" {
		return ""
	}
	return "\nQuestions? Call us at " + phone + ".\n"
}

// To whoever signed a practice up (POST /v1/practices).
func (d SignupConfirm) message() Message {
	d.Practice, d.Link, d.Code = Line(d.Practice), Line(d.Link), Line(d.Code)
	return Message{
		Subject: "Confirm your practice on Referloop",
		Text: "Hello,\n\n" +
			"Confirm to create " + d.Practice + " on Referloop. The link works once, for 15 minutes:\n\n" +
			d.Link + "\n\n" +
			"Opening it on another device or in another browser? Enter this code when asked: " + d.Code + "\n\n" +
			"If you did not sign up, ignore this email; nothing is created until the link is confirmed.\n",
	}
}

// To an address that asked for a sign-in link (POST /v1/auth/links): one link per practice and role.
func (d SigninLink) message() Message {
	var b strings.Builder
	b.WriteString("Hello,\n\n")
	if len(d.Links) > 1 {
		b.WriteString("Here are your Referloop sign-in links, one for each practice you can sign in to. Each works once, for 15 minutes.\n")
	} else {
		b.WriteString("Here is your Referloop sign-in link. It works once, for 15 minutes.\n")
	}
	for _, l := range d.Links {
		b.WriteString("\n" + Line(l.Practice))
		if as := Line(l.As); as != "" {
			b.WriteString(" (" + as + ")")
		}
		b.WriteString(":\n" + Line(l.Link) + "\n")
	}
	b.WriteString("\nOpening it on another device or in another browser? Enter this code when asked: " + Line(d.Code) + "\n\n" +
		"If you did not ask for it, ignore this email.\n")
	return Message{Subject: "Your Referloop sign-in link", Text: b.String()}
}

// To a referrer a practice invited (POST /v1/partners/{id}/invitations, or resent).
func (d Invitation) message() Message {
	d.Name, d.Practice, d.Link, d.NewLinkURL = Line(d.Name), Line(d.Practice), Line(d.Link), Line(d.NewLinkURL)
	return Message{
		Subject: "You are invited to send referrals on Referloop",
		Text: hello(d.Name) + "\n\n" +
			d.Practice + " invites you to refer patients through Referloop: a two-minute form, and the status of every referral you send.\n\n" +
			"Accept the invitation (the link works once, for 7 days):\n" +
			d.Link + "\n\n" +
			"Later, or if the link has expired, get a sign-in link at " + d.NewLinkURL + "\n",
	}
}

// To a person a practice's owner added to its team (POST /v1/members, or resent).
func (d MemberInvitation) message() Message {
	d.Name, d.Practice, d.InvitedBy = Line(d.Name), Line(d.Practice), Line(d.InvitedBy)
	d.Link, d.SigninURL = Line(d.Link), Line(d.SigninURL)
	owner := ""
	if d.Owner {
		owner = ", as an owner"
	}
	return Message{
		Subject: "You are invited to a practice's team on Referloop",
		Text: hello(d.Name) + "\n\n" +
			d.InvitedBy + " added you to the team of " + d.Practice + " on Referloop" + owner + ": you will work the practice's referrals.\n\n" +
			"Accept the invitation (the link works once, for 7 days):\n" +
			d.Link + "\n\n" +
			"Later, or if the link has expired, get a sign-in link at " + d.SigninURL + "\n",
	}
}

// To the referrer, when their referral arrives.
func (d Received) message() Message {
	d.Referrer, d.Practice, d.Ref, d.Link = Line(d.Referrer), Line(d.Practice), Line(d.Ref), Line(d.Link)
	return Message{
		Subject: "Referral " + d.Ref + " received by the practice",
		Text: hello(d.Referrer) + "\n\n" +
			d.Practice + " received your referral " + d.Ref + " on " + day(d.Received) + ". They aim to contact the patient by " + when(d.ContactBy) + ".\n\n" +
			"Follow its status: " + d.Link + "\n",
	}
}

// To the practice's intake contact, when a referral arrives.
func (d NewReferral) message() Message {
	d.Ref, d.Partner, d.Link = Line(d.Ref), Line(d.Partner), Line(d.Link)
	urgent := ""
	if d.Urgent {
		urgent = " (urgent)"
	}
	return Message{
		Subject: "New referral " + d.Ref + urgent,
		Text: "A new referral " + d.Ref + urgent + " arrived from " + d.Partner + ". Contact the patient by " + when(d.ContactBy) + ".\n\n" +
			"Open it: " + d.Link + "\n",
	}
}

// To the patient (who consented to be contacted), when their referral arrives. Names the practice
// only by its display name for patients; never the referring office.
func (d PatientCode) message() Message {
	d.DisplayName, d.PracticePhone, d.StatusURL, d.Code = Line(d.DisplayName), Line(d.PracticePhone), Line(d.StatusURL), Line(d.Code)
	return Message{
		Subject: "Your referral: your status code",
		Text: "Hello,\n\n" +
			"You were referred for an appointment. To see where your referral stands, go to " + d.StatusURL + " and enter this code with your date of birth:\n\n" +
			"    " + d.Code + "\n" +
			callUs(d.PracticePhone) + "\n" +
			d.DisplayName + "\n",
	}
}

// A text message to the patient (who consented to be contacted), when their referral arrives. No
// subject; the practice only by its display name for patients.
func (d PatientCodeSMS) message() Message {
	d.DisplayName, d.StatusURL, d.Code = Line(d.DisplayName), Line(d.StatusURL), Line(d.Code)
	return Message{Text: d.DisplayName + ": you were referred. Check status at " + d.StatusURL + " with code " + d.Code + " and your date of birth."}
}

// To the referrer, when the practice asks a question (the question itself is behind the link).
func (d Question) message() Message {
	d.Referrer, d.Practice, d.Ref, d.Link = Line(d.Referrer), Line(d.Practice), Line(d.Ref), Line(d.Link)
	return Message{
		Subject: "The practice has a question about referral " + d.Ref,
		Text: hello(d.Referrer) + "\n\n" +
			d.Practice + " needs a detail to go on with referral " + d.Ref + ". Open it to read the question and answer it:\n\n" +
			d.Link + "\n",
	}
}

// To the practice's intake contact, when the referrer answered their question.
func (d Answered) message() Message {
	d.Ref, d.Link = Line(d.Ref), Line(d.Link)
	return Message{
		Subject: "Referral " + d.Ref + ": the referrer answered",
		Text: "The referrer answered your question on referral " + d.Ref + "; it is back in your queue.\n\n" +
			d.Link + "\n",
	}
}

// To the referrer, on each move they may see (partners that chose an email per update).
func (d StatusUpdate) message() Message {
	d.Referrer, d.Practice, d.Ref, d.Link = Line(d.Referrer), Line(d.Practice), Line(d.Ref), Line(d.Link)
	status := statusWords(referral.Status(Line(string(d.Status))))
	var extra string
	if !d.Appointment.IsZero() {
		extra = " The appointment is on " + when(d.Appointment) + "."
	}
	if decline := Line(d.Decline); decline != "" {
		extra += " Reason: " + words(decline) + "."
	}
	if d.Rescheduled && !d.Appointment.IsZero() {
		return Message{
			Subject: "Referral " + d.Ref + ": appointment moved",
			Text: hello(d.Referrer) + "\n\n" +
				"The appointment for referral " + d.Ref + " at " + d.Practice + " moved: it is now on " + when(d.Appointment) + ".\n\n" +
				"Details: " + d.Link + "\n",
		}
	}
	return Message{
		Subject: "Referral " + d.Ref + ": " + status,
		Text: hello(d.Referrer) + "\n\n" +
			"Referral " + d.Ref + " to " + d.Practice + " is now " + status + "." + extra + "\n\n" +
			"Details: " + d.Link + "\n",
	}
}

// To the referrer, when the practice closes the loop; asks for a one-click rating.
func (d Closed) message() Message {
	d.Referrer, d.Practice, d.Ref, d.Link, d.RateURL = Line(d.Referrer), Line(d.Practice), Line(d.Ref), Line(d.Link), Line(d.RateURL)
	var b strings.Builder
	b.WriteString(hello(d.Referrer) + "\n\n" +
		d.Practice + " closed the loop on referral " + d.Ref + ". Thank you for the referral.\n\n" +
		"Details: " + d.Link + "\n")
	if d.RateURL != "" {
		b.WriteString("\nHow was the handoff? One click rates it (1 = poor, 5 = excellent):\n")
		for score := 1; score <= 5; score++ { // the rating scale, worst first
			s := strconv.Itoa(score)
			b.WriteString("  " + s + ": " + d.RateURL + "&score=" + s + "\n")
		}
	}
	return Message{Subject: "Referral " + d.Ref + ": the loop is closed", Text: b.String()}
}

// To the patient (who consented to be contacted), when their appointment is booked; the practice
// only by its display name for patients.
func (d PatientUpdate) message() Message {
	d.Words, d.DisplayName, d.PracticePhone, d.StatusURL = Line(d.Words), Line(d.DisplayName), Line(d.PracticePhone), Line(d.StatusURL)
	return Message{
		Subject: "Your referral: " + strings.ToLower(d.Words),
		Text: "Hello,\n\n" +
			d.Words + ". See the time and place at " + d.StatusURL + " with your code and date of birth.\n" +
			callUs(d.PracticePhone) + "\n" +
			d.DisplayName + "\n",
	}
}

// To a referrer whose office chose a daily digest: the day's moves of their referrals.
func (d Digest) message() Message {
	n, on := len(d.Items), day(d.Day)
	var b strings.Builder
	b.WriteString(hello(Line(d.Referrer)) + "\n\n" +
		"Changes on " + on + " to the referrals you sent " + Line(d.Practice) + ":\n\n")
	for _, it := range d.Items {
		b.WriteString("  " + Line(it.Ref) + " is now " + statusWords(referral.Status(Line(string(it.Status)))) + ": " + Line(it.Link) + "\n")
	}
	b.WriteString("\nYou get one email a day because your office chose a daily digest.\n")
	return Message{Subject: strconv.Itoa(n) + " referral update" + plural(n) + " on " + on, Text: b.String()}
}

// To whoever filled in the patient referral form, to confirm it. Names the practice only by its
// display name for patients; says nothing of the patient or the reason.
func (d IntakeConfirm) message() Message {
	d.DisplayName, d.PracticePhone, d.Link = Line(d.DisplayName), Line(d.PracticePhone), Line(d.Link)
	return Message{
		Subject: "Please confirm your referral request",
		Text: "Hello,\n\n" +
			"Someone (we hope you) asked " + d.DisplayName + " to contact a patient about an appointment, and gave this email address.\n\n" +
			"To send the request, open this link within " + strconv.Itoa(d.Hours) + " hours:\n\n" +
			"    " + d.Link + "\n\n" +
			"If you did not fill in this form, ignore this email: nothing is sent without the link.\n" +
			callUs(d.PracticePhone) + "\n" +
			d.DisplayName + "\n",
	}
}
