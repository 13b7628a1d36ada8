// Package metrics turns referral histories into the numbers a practice reads: counts, the funnel,
// show rate, times to contact, schedule and first visit, contact-by compliance, repeat frequency
// and dormant sources. It is pure: no AWS, no clock of its own.
//
// Attribution: a referral's numbers belong to the day it was received (its cohort), whatever day
// its later steps happen on. A late transition therefore changes exactly one day's buckets (and
// their week and month), which is what makes the rollup incremental.
package metrics

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/referral"
)

// Fact is what the metrics need of one referral: its timestamps, none of its PHI.
type Fact struct {
	Tenant       string          `json:"tid"`
	Referral     string          `json:"ref"`
	Source       string          `json:"src"`
	Kind         string          `json:"kind"`
	Received     time.Time       `json:"received"`
	ContactBy    time.Time       `json:"contactBy"`
	Accepted     *time.Time      `json:"accepted,omitempty"`
	Declined     *time.Time      `json:"declined,omitempty"`
	DeclineWhy   string          `json:"declineWhy,omitempty"`
	FirstContact *time.Time      `json:"firstContact,omitempty"`
	Scheduled    *time.Time      `json:"scheduled,omitempty"`
	Visit        *time.Time      `json:"visit,omitempty"` // the appointment the patient was seen at
	Seen         *time.Time      `json:"seen,omitempty"`
	NoShows      int             `json:"noShows,omitempty"`
	Closed       *time.Time      `json:"closed,omitempty"`
	Cancelled    *time.Time      `json:"cancelled,omitempty"`
	Unreachable  *time.Time      `json:"unreachable,omitempty"`
	FormMillis   int64           `json:"formMillis,omitempty"`
	Status       referral.Status `json:"status"`
	UpdatedAt    time.Time       `json:"updatedAt"`
	// LocalDay is the practice's local day the referral arrived on (referral.Referral.Day).
	LocalDay string `json:"day,omitempty"`
	// Undated (a fact imported from a practice's history: pkg/history) names the stamps that stand
	// in for a step the file says happened without its date (UndatedContact, UndatedScheduled,
	// UndatedVisit): the step is counted, its duration and its timeliness are not.
	Undated string `json:"undated,omitempty"`
}

// The stamps a fact may hold without their dates (Fact.Undated).
const (
	UndatedContact   = "c"
	UndatedScheduled = "s"
	UndatedVisit     = "v"
)

func (f Fact) undated(flag string) bool { return f.Undated != "" && strings.Contains(f.Undated, flag) }

// Day is the cohort day of the fact: the practice's local day of arrival (its UTC day for a
// referral made before days were local). Days end at the practice's midnight.
func (f Fact) Day() string {
	if f.LocalDay != "" {
		return f.LocalDay
	}
	return f.Received.UTC().Format(time.DateOnly)
}

// DayTime is the cohort day as a date (midnight UTC of that date), for weeks and months.
func (f Fact) DayTime() time.Time {
	d, err := time.Parse(time.DateOnly, f.Day())
	if err != nil {
		return f.Received.UTC()
	}
	return d
}

// FactOf reads a referral's timeline into its fact.
func FactOf(r referral.Referral, kind string) Fact {
	f := Fact{Tenant: r.TenantID, Referral: r.ID, Source: r.Partner.ID, Kind: kind, Received: r.CreatedAt.UTC(), LocalDay: r.Day,
		ContactBy: r.ContactBy.UTC(), FormMillis: r.FormMillis, Status: r.Status, UpdatedAt: r.UpdatedAt.UTC()}
	first := func(p **time.Time, at time.Time) {
		if *p == nil {
			t := at.UTC()
			*p = &t
		}
	}
	var appt *time.Time
	for _, e := range r.Timeline {
		switch e.To {
		case referral.Accepted:
			if e.From == referral.Received {
				first(&f.Accepted, e.At)
			}
		case referral.Declined:
			first(&f.Declined, e.At)
			f.DeclineWhy = e.Reason
		case referral.Contacted:
			first(&f.FirstContact, e.At)
		case referral.Scheduled:
			first(&f.Scheduled, e.At)
			if e.Appointment != nil {
				a := e.Appointment.At.UTC()
				appt = &a
			}
		case referral.Seen:
			first(&f.Seen, e.At)
			if f.Visit == nil {
				if appt != nil {
					f.Visit = appt
				} else {
					first(&f.Visit, e.At)
				}
			}
		case referral.NoShow:
			f.NoShows++
		case referral.Closed:
			first(&f.Closed, e.At)
		case referral.Cancelled:
			first(&f.Cancelled, e.At)
		case referral.Unreachable:
			first(&f.Unreachable, e.At)
		}
	}
	return f
}

// Bucket holds one group's numbers for one period. Counts are exact; durations are quantile
// sketches (Sketch, within Accuracy), so a bucket's size depends on the spread of its values, never on
// how many referrals it counts, and buckets still merge: the merge of a week's day buckets is the
// week's bucket. The repeat-referral rhythm is kept as the first and last receipt and a sketch of the
// gaps between consecutive receipts; merging buckets of consecutive periods adds the gap between them.
type Bucket struct {
	Received        int            `json:"received"`
	Accepted        int            `json:"accepted"`
	Declined        int            `json:"declined"`
	DeclinedBy      map[string]int `json:"declinedBy,omitempty"`
	Contacted       int            `json:"contacted"`
	ContactedOnTime int            `json:"contactedOnTime"`
	// Due counts the referrals whose contact-by time had passed when the bucket was computed
	// (contacted or not; not those declined or cancelled before it without a contact), DueOnTime
	// those of them contacted by it, Overdue those still waiting for a first contact: contact-by
	// compliance is DueOnTime / Due, so a referral nobody called counts against it from the moment
	// its deadline passes (the rollup recomputes the day then: store.PutFact marks it).
	Due         int    `json:"due,omitempty"`
	DueOnTime   int    `json:"dueOnTime,omitempty"`
	Overdue     int    `json:"overdue,omitempty"`
	Scheduled   int    `json:"scheduled"`
	Seen        int    `json:"seen"`
	NoShow      int    `json:"noShow"`
	Closed      int    `json:"closed"`
	Cancelled   int    `json:"cancelled"`
	Unreachable int    `json:"unreachable"`
	ToContact   Sketch `json:"-"` // minutes, received → first contact
	ToSchedule  Sketch `json:"-"` // minutes, received → first scheduled
	ToVisit     Sketch `json:"-"` // minutes, received → the visit
	FormSeconds Sketch `json:"-"`
	// FirstAt and LastAt are the first and last receipt (unix seconds; 0 when Received is 0), Gaps
	// the seconds between consecutive receipts: the source's repeat frequency.
	FirstAt int64  `json:"firstAt,omitempty"`
	LastAt  int64  `json:"lastAt,omitempty"`
	Gaps    Sketch `json:"-"`

	// received are receipts Add saw and Normalize has not folded into the rhythm yet.
	received []int64
}

func minutes(from time.Time, to *time.Time) float64 {
	return math.Round(to.Sub(from).Minutes())
}

// IsDue says whether a referral's contact-by time had passed at asOf and the practice still owed
// the patient a contact by then: contacted or not, unless it was declined or cancelled before its
// deadline without a contact (then nobody was to call).
func (f Fact) IsDue(asOf time.Time) bool {
	if f.ContactBy.IsZero() || f.ContactBy.After(asOf) {
		return false
	}
	if f.FirstContact != nil {
		return true
	}
	for _, end := range []*time.Time{f.Declined, f.Cancelled} {
		if end != nil && !end.After(f.ContactBy) {
			return false
		}
	}
	return true
}

// IsOverdue says whether a referral was due at asOf and is still waiting for its first contact.
func (f Fact) IsOverdue(asOf time.Time) bool {
	return f.FirstContact == nil && f.Status.AwaitingContact() && f.IsDue(asOf)
}

// Add counts one fact into the bucket as of asOf (what is due is judged at asOf). The rhythm of
// receipts is settled by Normalize.
func (b *Bucket) Add(f Fact, asOf time.Time) {
	b.Received++
	if f.IsDue(asOf) && !f.undated(UndatedContact) {
		b.Due++
		if f.FirstContact != nil && !f.FirstContact.After(f.ContactBy) {
			b.DueOnTime++
		}
		if f.IsOverdue(asOf) {
			b.Overdue++
		}
	}
	b.received = append(b.received, f.Received.Unix())
	if f.Accepted != nil {
		b.Accepted++
	}
	if f.Declined != nil {
		b.Declined++
		if b.DeclinedBy == nil {
			b.DeclinedBy = map[string]int{}
		}
		b.DeclinedBy[f.DeclineWhy]++
	}
	if f.FirstContact != nil {
		b.Contacted++
		if !f.undated(UndatedContact) {
			b.ToContact.Add(minutes(f.Received, f.FirstContact))
			if !f.FirstContact.After(f.ContactBy) {
				b.ContactedOnTime++
			}
		}
	}
	if f.Scheduled != nil {
		b.Scheduled++
		if !f.undated(UndatedScheduled) {
			b.ToSchedule.Add(minutes(f.Received, f.Scheduled))
		}
	}
	if f.Seen != nil {
		b.Seen++
		if f.Visit != nil && !f.undated(UndatedVisit) {
			b.ToVisit.Add(minutes(f.Received, f.Visit))
		}
	}
	b.NoShow += f.NoShows
	if f.Closed != nil {
		b.Closed++
	}
	if f.Cancelled != nil {
		b.Cancelled++
	}
	if f.Unreachable != nil {
		b.Unreachable++
	}
	if f.FormMillis > 0 {
		b.FormSeconds.Add(math.Round(float64(f.FormMillis) / 1000))
	}
}

// Merge adds another bucket's numbers. Counts and sketches merge in any order; the rhythm needs
// buckets of consecutive periods merged in time order (each later one after the earlier), as every
// caller reads them (in sort key order): the gap between the two joins the gaps.
func (b *Bucket) Merge(o Bucket) {
	o = o.normalized()
	b.Normalize()
	b.mergeRhythm(o)
	b.Received += o.Received
	b.Accepted += o.Accepted
	b.Declined += o.Declined
	for k, v := range o.DeclinedBy {
		if b.DeclinedBy == nil {
			b.DeclinedBy = map[string]int{}
		}
		b.DeclinedBy[k] += v
	}
	b.Contacted += o.Contacted
	b.ContactedOnTime += o.ContactedOnTime
	b.Due += o.Due
	b.DueOnTime += o.DueOnTime
	b.Overdue += o.Overdue
	b.Scheduled += o.Scheduled
	b.Seen += o.Seen
	b.NoShow += o.NoShow
	b.Closed += o.Closed
	b.Cancelled += o.Cancelled
	b.Unreachable += o.Unreachable
	b.ToContact.Merge(o.ToContact)
	b.ToSchedule.Merge(o.ToSchedule)
	b.ToVisit.Merge(o.ToVisit)
	b.FormSeconds.Merge(o.FormSeconds)
}

// mergeRhythm joins o's receipts to b's (before b.Received changes). When the two overlap in time
// (never for buckets of different periods) the gap between them is unknown and left out.
func (b *Bucket) mergeRhythm(o Bucket) {
	if o.Received == 0 {
		return
	}
	if b.Received == 0 {
		b.FirstAt, b.LastAt, b.Gaps = o.FirstAt, o.LastAt, o.Gaps.Clone()
		return
	}
	switch {
	case o.FirstAt >= b.LastAt:
		b.Gaps.Add(float64(o.FirstAt - b.LastAt))
		b.LastAt = o.LastAt
	case o.LastAt <= b.FirstAt:
		b.Gaps.Add(float64(b.FirstAt - o.LastAt))
		b.FirstAt = o.FirstAt
	default:
		b.FirstAt, b.LastAt = min(b.FirstAt, o.FirstAt), max(b.LastAt, o.LastAt)
	}
	b.Gaps.Merge(o.Gaps)
}

// Normalize settles the receipts Add saw into the rhythm (first, last, gaps), so equal buckets are
// equal field for field.
func (b *Bucket) Normalize() {
	if len(b.received) == 0 {
		return
	}
	at := b.received
	b.received = nil
	sort.Slice(at, func(i, j int) bool { return at[i] < at[j] })
	r := Bucket{Received: len(at), FirstAt: at[0], LastAt: at[len(at)-1]}
	for i := 1; i < len(at); i++ {
		r.Gaps.Add(float64(at[i] - at[i-1]))
	}
	n := b.Received
	b.Received -= len(at)
	b.mergeRhythm(r)
	b.Received = n
}

// normalized is b settled, sharing no sketch that Normalize changes with b.
func (b Bucket) normalized() Bucket {
	if len(b.received) > 0 {
		b.Gaps = b.Gaps.Clone()
		b.received = append([]int64(nil), b.received...)
		b.Normalize()
	}
	return b
}

// Equal reports whether two buckets hold the same numbers (sketches bin for bin).
func (b Bucket) Equal(o Bucket) bool {
	b, o = b.normalized(), o.normalized()
	if len(b.DeclinedBy) != len(o.DeclinedBy) {
		return false
	}
	for k, v := range b.DeclinedBy {
		if o.DeclinedBy[k] != v {
			return false
		}
	}
	return b.Received == o.Received && b.Accepted == o.Accepted && b.Declined == o.Declined && b.Contacted == o.Contacted &&
		b.ContactedOnTime == o.ContactedOnTime && b.Due == o.Due && b.DueOnTime == o.DueOnTime && b.Overdue == o.Overdue && b.Scheduled == o.Scheduled && b.Seen == o.Seen && b.NoShow == o.NoShow &&
		b.Closed == o.Closed && b.Cancelled == o.Cancelled && b.Unreachable == o.Unreachable &&
		b.ToContact.Equal(o.ToContact) && b.ToSchedule.Equal(o.ToSchedule) && b.ToVisit.Equal(o.ToVisit) &&
		b.FormSeconds.Equal(o.FormSeconds) && b.FirstAt == o.FirstAt && b.LastAt == o.LastAt && b.Gaps.Equal(o.Gaps)
}

// Groups a fact counts into within its period: everything, its source, its kind.
func Groups(f Fact) []string {
	return []string{"all", "src#" + f.Source, "kind#" + f.Kind}
}

// Periods a cohort day belongs to.
func Week(day time.Time) string {
	y, w := day.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// Month of a day, YYYY-MM.
func Month(day time.Time) string { return day.UTC().Format("2006-01") }

// WeekDays are the seven days (YYYY-MM-DD) of the ISO week holding day.
func WeekDays(day time.Time) []string {
	wd := int(day.Weekday())
	if wd == 0 {
		wd = 7
	}
	monday := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1-wd)
	out := make([]string, 7)
	for i := range out {
		out[i] = monday.AddDate(0, 0, i).Format(time.DateOnly)
	}
	return out
}

// Rollup computes the buckets of a set of facts for one granularity as of asOf: period → group →
// bucket.
func Rollup(facts []Fact, period func(time.Time) string, asOf time.Time) map[string]map[string]*Bucket {
	return RollupBy(facts, func(f Fact) string { return period(f.Received.UTC()) }, asOf)
}

// RollupBy is Rollup with the period taken from the whole fact.
func RollupBy(facts []Fact, period func(Fact) string, asOf time.Time) map[string]map[string]*Bucket {
	out := map[string]map[string]*Bucket{}
	for _, f := range facts {
		p := period(f)
		if out[p] == nil {
			out[p] = map[string]*Bucket{}
		}
		for _, g := range Groups(f) {
			b := out[p][g]
			if b == nil {
				b = &Bucket{}
				out[p][g] = b
			}
			b.Add(f, asOf)
		}
	}
	for _, groups := range out {
		for _, b := range groups {
			b.Normalize()
		}
	}
	return out
}

// DayOf is the day period.
func DayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }
