package outreach

import (
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/referloop/referloop/pkg/metrics"
)

// Source is what the ranking knows of a partner: who it is, its referral counts by day, how many
// referrals it ever sent, and when it was last touched.
type Source struct {
	ID        string
	Name      string
	Kind      string
	Liaison   string
	CreatedAt time.Time
	Daily     Daily
	// Total is every referral the partner ever sent (counted since outreach counting began).
	Total     int
	LastTouch string
	// Rolled is the partner's rhythm over the last 12 months from the rollup's health view (zero when
	// there is none): it speaks for referrals received before the daily counts began.
	Rolled metrics.Rhythm
}

// Reasons a partner is on the "who to reach out to" list.
const (
	ReasonQuiet    = "quiet"    // gone quiet by its own rhythm (the rollups' dormant rule)
	ReasonFell     = "fell"     // the last 90 days' referrals fell against the 90 before
	ReasonProspect = "prospect" // no referral yet
)

// Suggestion is one partner to reach out to, and why.
type Suggestion struct {
	PartnerID string `json:"partnerId"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Liaison   string `json:"liaison,omitempty"`
	Reason    string `json:"reason"`
	Detail    string `json:"detail"`
	// Last90 and Prior90: the partner's referrals in the last 90 days and the 90 before.
	Last90  int `json:"last90"`
	Prior90 int `json:"prior90"`
	// DaysSinceLast: days since its last referral (null: none in the last year).
	DaysSinceLast *int   `json:"daysSinceLast"`
	LastTouch     string `json:"lastTouch,omitempty"`
	// RecentlyTouched: touched in the last RestDays days; listed after the others, to let a
	// relationship breathe rather than nag it.
	RecentlyTouched bool `json:"recentlyTouched"`
}

// RestDays is how long after a touch a partner is listed after the others.
const RestDays = 14

// Volume fell: the last 90 days at most two thirds of the 90 before, and at least two fewer.
const (
	fellRatio = 2.0 / 3
	fellMin   = 2
)

// Rhythm reads a partner's rhythm over the year to today from its daily counts, as the rollup's
// health view does from its buckets (days of referral, gaps between consecutive referrals).
func Rhythm(d Daily, today time.Time) metrics.Rhythm {
	lo := today.AddDate(0, 0, -364).Format(time.DateOnly)
	hi := today.Format(time.DateOnly)
	var days []string
	for day, c := range d {
		if day >= lo && day <= hi && c > 0 {
			days = append(days, day)
		}
	}
	sort.Strings(days)
	var r metrics.Rhythm
	var gaps []float64
	var prev time.Time
	for i, day := range days {
		t, _ := ParseDay(day)
		c := d[day]
		r.Referrals += c
		if i > 0 {
			gaps = append(gaps, t.Sub(prev).Seconds())
		}
		for k := 1; k < c; k++ {
			gaps = append(gaps, 0)
		}
		prev = t
	}
	if len(days) > 0 {
		// The last referral's day, at its end: a referral "today" is not days old.
		r.Last = prev.Add(24*time.Hour - time.Second).Unix()
	}
	if len(gaps) > 0 {
		slices.Sort(gaps)
		m := gaps[len(gaps)/2]
		if len(gaps)%2 == 0 {
			m = (gaps[len(gaps)/2-1] + gaps[len(gaps)/2]) / 2
		}
		r.MedianGap = &m
	}
	return r
}

// Rank lists whom to reach out to, at today (the practice's date): quiet sources first (the
// biggest before they went quiet first), then sources whose volume fell (the largest drop first),
// then prospects (the longest known first). Within each, partners touched in the last RestDays
// days come after the others. Patients and self-referrals are not partners one reaches out to.
func Rank(sources []Source, today string) []Suggestion {
	now, ok := ParseDay(today)
	if !ok {
		return []Suggestion{}
	}
	end := now.Add(24*time.Hour - time.Second)
	type ranked struct {
		s     Suggestion
		group int
		score float64
	}
	var list []ranked
	for _, src := range sources {
		if src.Kind == "patient" || src.Kind == "self" {
			continue
		}
		s := Suggestion{PartnerID: src.ID, Name: src.Name, Kind: src.Kind, Liaison: src.Liaison, LastTouch: src.LastTouch}
		s.Last90 = src.Daily.Sum(now.AddDate(0, 0, -89), now)
		s.Prior90 = src.Daily.Sum(now.AddDate(0, 0, -179), now.AddDate(0, 0, -90))
		if lt, ok := ParseDay(src.LastTouch); ok && !lt.Before(now.AddDate(0, 0, -(RestDays-1))) {
			s.RecentlyTouched = true
		}
		rh := Rhythm(src.Daily, now)
		if rh.Referrals == 0 && src.Rolled.Referrals > 0 {
			rh = src.Rolled // referrals from before the daily counts began
		}
		if rh.Referrals > 0 {
			days := int(end.Sub(time.Unix(rh.Last, 0)).Hours() / 24)
			s.DaysSinceLast = &days
		}
		r := ranked{}
		dm, sent := rh.Dormant(end)
		switch {
		case src.Total == 0 && rh.Referrals == 0 && src.Rolled.Referrals == 0:
			s.Reason, s.Detail = ReasonProspect, "No referral yet."
			r.group, r.score = 2, max(0, end.Sub(src.CreatedAt).Hours())
		case sent && dm.Dormant:
			s.Reason = ReasonQuiet
			s.Detail = "No referral in " + plural(*s.DaysSinceLast, "day") + "; it used to send one about every " +
				plural(int(dm.ThresholdDays/2+0.5), "day") + "."
			r.group, r.score = 0, float64(rh.Referrals)
		case !sent && src.Total > 0:
			s.Reason, s.Detail = ReasonQuiet, "No referral in the last year."
			r.group, r.score = 0, 0
		case s.Prior90 >= fellMin && s.Prior90-s.Last90 >= fellMin && float64(s.Last90) <= fellRatio*float64(s.Prior90):
			s.Reason = ReasonFell
			s.Detail = plural(s.Last90, "referral") + " in the last 90 days, against " + plural(s.Prior90, "referral") + " in the 90 before."
			r.group, r.score = 1, float64(s.Prior90-s.Last90)
		default:
			continue
		}
		r.s = s
		list = append(list, r)
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.group != b.group {
			return a.group < b.group
		}
		if a.s.RecentlyTouched != b.s.RecentlyTouched {
			return !a.s.RecentlyTouched
		}
		if a.score != b.score {
			return a.score > b.score
		}
		return a.s.Name < b.s.Name
	})
	out := make([]Suggestion, 0, len(list))
	for _, r := range list {
		out = append(out, r.s)
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
