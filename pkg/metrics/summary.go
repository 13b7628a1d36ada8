package metrics

import (
	"math"
	"time"
)

// Stat is a median and a 90th percentile, in hours (or seconds for the form). They are read from a
// quantile sketch: estimates within RelativeError (Accuracy) of the exact values, rounded to one
// decimal. N is exact.
type Stat struct {
	N      int      `json:"n"`
	Median *float64 `json:"median"`
	P90    *float64 `json:"p90"`
	// Estimate says the median and p90 are estimates (false when there are none); RelativeError how
	// close they are (0.01: within 1% of the exact value, before rounding).
	Estimate      bool    `json:"estimate"`
	RelativeError float64 `json:"relativeError"`
}

// Percentile is the nearest-rank percentile p (0-100) of sorted values; ok is false when empty.
func Percentile(sorted []int, p float64) (int, bool) {
	if len(sorted) == 0 {
		return 0, false
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1], true
}

// Median is the middle value (the mean of the two middle values for an even count).
func Median(sorted []int) (float64, bool) {
	n := len(sorted)
	if n == 0 {
		return 0, false
	}
	if n%2 == 1 {
		return float64(sorted[n/2]), true
	}
	return float64(sorted[n/2-1]+sorted[n/2]) / 2, true
}

func stat(s Sketch, scale float64) Stat {
	st := Stat{N: int(s.Count())}
	if st.N > 0 {
		st.Estimate, st.RelativeError = true, Accuracy
	}
	if m, ok := s.Median(); ok {
		x := round(m / scale)
		st.Median = &x
	}
	if p, ok := s.Percentile(90); ok {
		x := round(p / scale)
		st.P90 = &x
	}
	return st
}

func round(x float64) float64 { return math.Round(x*10) / 10 }

// Summary is what the API shows of a bucket.
type Summary struct {
	Received          int            `json:"received"`
	Accepted          int            `json:"accepted"`
	Declined          int            `json:"declined"`
	DeclinedBy        map[string]int `json:"declinedBy"`
	Contacted         int            `json:"contacted"`
	Scheduled         int            `json:"scheduled"`
	Seen              int            `json:"seen"`
	NoShow            int            `json:"noShow"`
	Closed            int            `json:"closed"`
	Cancelled         int            `json:"cancelled"`
	Unreachable       int            `json:"unreachable"`
	ShowRate          *float64       `json:"showRate"`          // seen / (seen + no-show)
	ContactCompliance *float64       `json:"contactCompliance"` // contacted in time ÷ every referral whose contact-by passed
	// Due is how many referrals' contact-by time has passed (contacted or not): compliance's
	// denominator. Overdue is how many of them nobody has contacted yet.
	Due             int  `json:"due"`
	Overdue         int  `json:"overdue"`
	HoursToContact  Stat `json:"hoursToContact"`
	HoursToSchedule Stat `json:"hoursToSchedule"`
	HoursToVisit    Stat `json:"hoursToVisit"`
	FormSeconds     Stat `json:"formSeconds"`
	// MedianDaysBetweenReferrals is the source's repeat frequency within the range (an estimate,
	// within Accuracy).
	MedianDaysBetweenReferrals *float64 `json:"medianDaysBetweenReferrals"`
}

// Summarize derives the shown numbers of a bucket.
func Summarize(b Bucket) Summary {
	b = b.normalized()
	s := Summary{Received: b.Received, Accepted: b.Accepted, Declined: b.Declined, DeclinedBy: b.DeclinedBy,
		Contacted: b.Contacted, Scheduled: b.Scheduled, Seen: b.Seen, NoShow: b.NoShow, Closed: b.Closed,
		Cancelled: b.Cancelled, Unreachable: b.Unreachable, Due: b.Due, Overdue: b.Overdue,
		HoursToContact: stat(b.ToContact, 60), HoursToSchedule: stat(b.ToSchedule, 60), HoursToVisit: stat(b.ToVisit, 60),
		FormSeconds: stat(b.FormSeconds, 1)}
	if s.DeclinedBy == nil {
		s.DeclinedBy = map[string]int{}
	}
	if b.Seen+b.NoShow > 0 {
		x := round3(float64(b.Seen) / float64(b.Seen+b.NoShow))
		s.ShowRate = &x
	}
	if b.Due > 0 {
		x := round3(float64(b.DueOnTime) / float64(b.Due))
		s.ContactCompliance = &x
	}
	if d, ok := MedianInterval(b); ok {
		x := round(d.Hours() / 24)
		s.MedianDaysBetweenReferrals = &x
	}
	return s
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// MedianInterval is the median time between consecutive referrals of a bucket (an estimate within
// Accuracy); ok is false with fewer than two.
func MedianInterval(b Bucket) (time.Duration, bool) {
	b = b.normalized()
	m, ok := b.Gaps.Median()
	if !ok || b.Received < 2 {
		return 0, false
	}
	return time.Duration(m * float64(time.Second)), true
}

// Rhythm is what judging a source's dormancy needs of its referrals in a window: how many, the last
// one, and the median gap between consecutive ones (seconds; nil with fewer than two).
type Rhythm struct {
	Referrals int      `json:"n"`
	Last      int64    `json:"last,omitempty"`
	MedianGap *float64 `json:"medianGap,omitempty"`
}

// RhythmOf reads a bucket's rhythm.
func RhythmOf(b Bucket) Rhythm {
	b = b.normalized()
	r := Rhythm{Referrals: b.Received, Last: b.LastAt}
	if d, ok := MedianInterval(b); ok {
		x := d.Seconds()
		r.MedianGap = &x
	}
	return r
}

// Dormancy says whether a source has gone quiet by its own rhythm: no referral in more than twice
// its median interval (and at least 30 days); or, with fewer than three referrals, none in 60 days.
type Dormancy struct {
	Dormant       bool       `json:"dormant"`
	Last          *time.Time `json:"lastReferral"` // null: none in the window
	DaysSinceLast float64    `json:"daysSinceLast"`
	ThresholdDays float64    `json:"thresholdDays"`
	Referrals     int        `json:"referrals"`
}

// Dormant judges a source from its rhythm, at now; ok is false when it sent nothing.
func (r Rhythm) Dormant(now time.Time) (Dormancy, bool) {
	if r.Referrals == 0 {
		return Dormancy{}, false
	}
	lastAt := time.Unix(r.Last, 0).UTC()
	d := Dormancy{Last: &lastAt, Referrals: r.Referrals}
	since := now.Sub(lastAt)
	d.DaysSinceLast = round(since.Hours() / 24)
	threshold := 60 * 24 * time.Hour
	if r.Referrals >= 3 && r.MedianGap != nil {
		threshold = max(time.Duration(*r.MedianGap*float64(time.Second)), 15*24*time.Hour) * 2
	}
	d.ThresholdDays = round(threshold.Hours() / 24)
	d.Dormant = since > threshold
	return d, true
}

// MedianDays is the median gap in days (one decimal), or nil.
func (r Rhythm) MedianDays() *float64 {
	if r.MedianGap == nil {
		return nil
	}
	x := float64(int(*r.MedianGap/86400*10+0.5)) / 10
	return &x
}
