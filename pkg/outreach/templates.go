package outreach

import (
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/referloop/referloop/pkg/valid"
)

// Template kinds: the messages a practice writes in its own words.
const (
	KindIntroduction   = "introduction"
	KindThanksFirst    = "thanks-first-referral"
	KindThanksSeen     = "thanks-seen"
	KindCheckIn        = "check-in"
	KindPatientInvite  = "patient-invite"
	MaxTemplateLength  = 2000
	placeholderPattern = `\{\{\s*([^{}]*?)\s*\}\}`
)

// TemplateKinds lists the kinds in the order the portal shows them.
var TemplateKinds = []string{KindIntroduction, KindThanksFirst, KindThanksSeen, KindCheckIn, KindPatientInvite}

// Placeholders are the only names a template may use: {{first_name}} (the recipient's first name)
// and {{practice}} (the practice's name). Nothing else is executed: a template is plain text with
// these two words replaced, so practice text can never run as a template.
var Placeholders = []string{"first_name", "practice"}

// Subjects are Referloop's own, fixed: practice text is never in an email header.
var Subjects = map[string]string{
	KindIntroduction:  "An introduction, and how to refer",
	KindThanksFirst:   "Thank you for your first referral",
	KindThanksSeen:    "Thank you: your patient was seen",
	KindCheckIn:       "Checking in",
	KindPatientInvite: "", // a note handed to patients, not emailed by Referloop
}

// Defaults are the words a practice starts with: short, plain, and about the other office.
var Defaults = map[string]string{
	KindIntroduction: "Hello {{first_name}},\n\nI'm writing from {{practice}}. We see patients your office may sometimes " +
		"need to send on, and we'd like to make that easy: one short form, a call to your patient within the time we " +
		"promise, and an update to you at each step.\n\nIf it would help, I'm glad to stop by with a one-page summary " +
		"of who we see and who is not a match.\n\nThank you,\n{{practice}}",
	KindThanksFirst: "Hello {{first_name}},\n\nThank you for your first referral to {{practice}}. We'll reach your " +
		"patient soon and keep you posted as things move.\n\nIf anything about the referral could be easier, tell us.\n\n" +
		"With thanks,\n{{practice}}",
	KindThanksSeen: "Hello {{first_name}},\n\nA short note to say your patient was seen at {{practice}}. Thank you for " +
		"trusting us with their care.\n\nWith thanks,\n{{practice}}",
	KindCheckIn: "Hello {{first_name}},\n\nChecking in from {{practice}}: is there anything we could do better for the " +
		"patients you send us, or anyone you've been unsure about sending? We're glad to help either way.\n\n" +
		"Thank you,\n{{practice}}",
	KindPatientInvite: "Know someone who needs us? {{practice}} is glad to help friends and family too. " +
		"Ask us for a card, or share our referral link.",
}

// Template is one of a practice's templates.
type Template struct {
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Custom    bool       `json:"custom"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

// Automatic thank-you events.
const (
	EventFirstReferral = "first-referral"
	EventSeen          = "seen"
)

// Settings are a practice's templates (only those it changed) and which automatic thank-yous are on.
type Settings struct {
	Bodies    map[string]string    `json:"bodies,omitempty"`
	Updated   map[string]time.Time `json:"updated,omitempty"`
	AutoFirst bool                 `json:"autoFirstReferral"`
	AutoSeen  bool                 `json:"autoSeen"`
}

// Template is the practice's template of kind (its own words, else the default).
func (s Settings) Template(kind string) Template {
	t := Template{Kind: kind, Subject: Subjects[kind], Body: Defaults[kind]}
	if b, ok := s.Bodies[kind]; ok {
		t.Body, t.Custom = b, true
		if u, ok := s.Updated[kind]; ok {
			t.UpdatedAt = &u
		}
	}
	return t
}

// IsKind reports whether kind is a template kind.
func IsKind(kind string) bool { return oneOf(kind, TemplateKinds) }

// placeholder is compiled on first use, not at package init (cold-start time of the functions that
// link this package).
var placeholder = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(placeholderPattern) })

// CheckBody checks a template's text: at most MaxTemplateLength characters, text and line breaks
// only, and no placeholder but {{first_name}} and {{practice}} (a misspelt one would go out as is).
func CheckBody(body string) error {
	var f valid.Fields
	f.Lines("body", body, MaxTemplateLength, true)
	if f.Empty() {
		for _, m := range placeholder().FindAllStringSubmatch(body, -1) {
			if !oneOf(m[1], Placeholders) {
				f.Add("body", "may use only {{first_name}} and {{practice}} (it has {{"+Short(m[1], 30)+"}})")
				break
			}
		}
	}
	return f.Err()
}

// Fill replaces the placeholders of body with plain text: no template is executed, and the values
// are cut to one line of printable text. A missing first name becomes "there" ("Hello there,").
func Fill(body, firstName, practice string) string {
	firstName = oneLine(firstName)
	if firstName == "" {
		firstName = "there"
	}
	practice = oneLine(practice)
	return placeholder().ReplaceAllStringFunc(body, func(m string) string {
		switch placeholder().FindStringSubmatch(m)[1] {
		case "first_name":
			return firstName
		case "practice":
			return practice
		}
		return m
	})
}

// FirstName is how to greet a person by name: their first word, or with a title (Dr., Ms. …) the
// title and their last word ("Dr. Ana Lee" → "Dr. Lee").
func FirstName(name string) string {
	words := strings.Fields(oneLine(name))
	if len(words) == 0 {
		return ""
	}
	if len(words) > 1 {
		switch strings.ToLower(strings.TrimSuffix(words[0], ".")) {
		case "dr", "mr", "ms", "mrs", "mx", "prof":
			return Short(words[0]+" "+words[len(words)-1], 40)
		}
	}
	return Short(words[0], 40)
}

func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s))
}

// Outreach email limits: every outreach email (an automatic thank-you, an introduction or check-in
// sent from a partner's page) counts against both, per UTC day. Scopes of the rate counters.
const (
	EmailsPerAddress  = 2   // to one address from one practice
	EmailsPerPractice = 100 // from one practice
	ScopeAddress      = "outreach-address"
	ScopePractice     = "outreach-practice"
)

// HowToRefer is the line Referloop adds under every outreach email: the practice's referral link.
func HowToRefer(link string) string { return "To refer a patient: " + link }
