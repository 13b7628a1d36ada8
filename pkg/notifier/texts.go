package notifier

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/phone"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/store"
)

// TextRules say where text messages may go and how many: a text costs money and can be sent to any
// number a referrer types, so they go only to numbers of the allowed countries and stop at monthly
// caps (template.yaml's SmsCountries, SmsPerPracticeMonth and SmsPerMonth). A text the rules hold
// back is not sent, and the outbox records why (store.NoteRefused).
type TextRules struct {
	// Countries are the ISO 3166-1 alpha-2 regions texts go to, told by the number itself (its
	// country calling code and, within a shared code such as +1, its area code).
	Countries []string
	// PerPracticeMonth caps one practice's texts in a calendar month (UTC); a practice in its first
	// days gets at most NewPracticeTextsPerMonth of them.
	PerPracticeMonth int
	// PerMonth caps every practice's texts together in a calendar month: the spend cap.
	PerMonth int
}

// DefaultTextRules are template.yaml's defaults (a test holds the two together).
var DefaultTextRules = TextRules{Countries: []string{"US", "CA"}, PerPracticeMonth: 1000, PerMonth: 20000}

// Caps that are not configuration.
const (
	// NewPracticeTextsPerMonth caps a practice's texts in its first days (practice.IsNew).
	NewPracticeTextsPerMonth = 100
	// TextsPerReferrerDay caps the texts one referrer's referrals bring in a day (a new practice's
	// referrers: NewPracticeTextsPerReferrerDay).
	TextsPerReferrerDay            = 50
	NewPracticeTextsPerReferrerDay = 10
)

// Quota scopes of texts (keys built in store/keys.go).
const (
	scopeTextReferrer = "text-referrer" // per (practice, referrer), a day
	scopeTextPractice = "text-practice" // per practice, a month
	scopeTextAll      = "text-all"      // every practice, a month
)

func (n *Notifier) texts() TextRules {
	if n.Texts.Countries == nil {
		return DefaultTextRules
	}
	return n.Texts
}

// Region is the ISO 3166-1 region of an E.164 number ("" when it is not a valid number of any
// region, such as +882 international networks or an area code no country uses).
func Region(e164 string) string {
	_, region := phone.Textable(e164, "")
	return region
}

// textRefusal says why a text to a number of region may not go at all ("" when it may); region is
// "" for a number that is not a valid number of any region (phone.Textable).
func (n *Notifier) textRefusal(region string) string {
	rules := n.texts()
	if region == "" {
		return "refused: the number is not one texts can reach (not a valid number of any country)"
	}
	if !slices.Contains(rules.Countries, region) {
		return fmt.Sprintf("refused: the number is not in a country texts go to (%s)", strings.Join(rules.Countries, ", "))
	}
	return ""
}

// textQuotas are the caps a text about a referral of referrerID counts against, in order: the
// referrer's day, the practice's month, and every practice's month.
func (n *Notifier) textQuotas(p practice.Practice, referrerID string, now time.Time) []textQuota {
	rules := n.texts()
	perPractice, perReferrer := rules.PerPracticeMonth, TextsPerReferrerDay
	if p.IsNew(now) {
		perPractice, perReferrer = min(perPractice, NewPracticeTextsPerMonth), NewPracticeTextsPerReferrerDay
	}
	return []textQuota{
		{store.Quota{Scope: scopeTextReferrer, Key: store.QuotaKey(p.ID, referrerID), Limit: perReferrer, Per: store.Day},
			fmt.Sprintf("refused: the referrer's referrals reached %d texts today", perReferrer)},
		{store.Quota{Scope: scopeTextPractice, Key: store.QuotaKey(p.ID), Limit: perPractice, Per: store.Month},
			fmt.Sprintf("refused: the practice reached its %d texts this month (SmsPerPracticeMonth)", perPractice)},
		{store.Quota{Scope: scopeTextAll, Key: store.QuotaKey("all"), Limit: rules.PerMonth, Per: store.Month},
			fmt.Sprintf("refused: Referloop reached its %d texts this month (SmsPerMonth)", rules.PerMonth)},
	}
}

// textQuota is a cap on texts and what the outbox says when it holds one back.
type textQuota struct {
	store.Quota
	refusal string
}
