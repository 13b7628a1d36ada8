package metrics

import (
	"math"
	"sort"
	"time"
)

// Stat is a median and a 90th percentile, in hours (or seconds for the form).
type Stat struct {
	N      int      `json:"n"`
	Median *float64 `json:"median"`
	P90    *float64 `json:"p90"`
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

func stat(values []int, scale float64) Stat {
	v := append([]int(nil), values...)
	sort.Ints(v)
	s := Stat{N: len(v)}
	if m, ok := Median(v); ok {
		x := round(m / scale)
		s.Median = &x
	}
	if p, ok := Percentile(v, 90); ok {
		x := round(float64(p) / scale)
		s.P90 = &x
	}
	return s
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
	ContactCompliance *float64       `json:"contactCompliance"` // share contacted by their deadline
	HoursToContact    Stat           `json:"hoursToContact"`
	HoursToSchedule   Stat           `json:"hoursToSchedule"`
	HoursToVisit      Stat           `json:"hoursToVisit"`
	FormSeconds       Stat           `json:"formSeconds"`
	// MedianDaysBetweenReferrals is the source's repeat frequency within the range.
	MedianDaysBetweenReferrals *float64 `json:"medianDaysBetweenReferrals"`
}

// Summarize derives the shown numbers of a bucket.
func Summarize(b Bucket) Summary {
	s := Summary{Received: b.Received, Accepted: b.Accepted, Declined: b.Declined, DeclinedBy: b.DeclinedBy,
		Contacted: b.Contacted, Scheduled: b.Scheduled, Seen: b.Seen, NoShow: b.NoShow, Closed: b.Closed,
		Cancelled: b.Cancelled, Unreachable: b.Unreachable,
		HoursToContact: stat(b.ToContact, 60), HoursToSchedule: stat(b.ToSchedule, 60), HoursToVisit: stat(b.ToVisit, 60),
		FormSeconds: stat(b.FormSeconds, 1)}
	if s.DeclinedBy == nil {
		s.DeclinedBy = map[string]int{}
	}
	if b.Seen+b.NoShow > 0 {
		x := round3(float64(b.Seen) / float64(b.Seen+b.NoShow))
		s.ShowRate = &x
	}
	if b.Contacted > 0 {
		x := round3(float64(b.ContactedOnTime) / float64(b.Contacted))
		s.ContactCompliance = &x
	}
	if d, ok := MedianInterval(b.ReceivedAt); ok {
		x := round(d.Hours() / 24)
		s.MedianDaysBetweenReferrals = &x
	}
	return s
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// MedianInterval is the median time between consecutive referrals (unix seconds, any order).
func MedianInterval(at []int64) (time.Duration, bool) {
	if len(at) < 2 {
		return 0, false
	}
	s := append([]int64(nil), at...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	gaps := make([]int, 0, len(s)-1)
	for i := 1; i < len(s); i++ {
		gaps = append(gaps, int(s[i]-s[i-1]))
	}
	sort.Ints(gaps)
	m, _ := Median(gaps)
	return time.Duration(m * float64(time.Second)), true
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

// Dormant judges a source from the times of its referrals, at now.
func Dormant(at []int64, now time.Time) (Dormancy, bool) {
	if len(at) == 0 {
		return Dormancy{}, false
	}
	last := at[0]
	for _, t := range at {
		if t > last {
			last = t
		}
	}
	lastAt := time.Unix(last, 0).UTC()
	d := Dormancy{Last: &lastAt, Referrals: len(at)}
	since := now.Sub(lastAt)
	d.DaysSinceLast = round(since.Hours() / 24)
	threshold := 60 * 24 * time.Hour
	if len(at) >= 3 {
		m, _ := MedianInterval(at)
		threshold = max(2*m, 30*24*time.Hour)
	}
	d.ThresholdDays = round(threshold.Hours() / 24)
	d.Dormant = since > threshold
	return d, true
}
