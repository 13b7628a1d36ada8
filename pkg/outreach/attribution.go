package outreach

import (
	"sort"
	"time"
)

// Daily is a partner's referral counts by day received (YYYY-MM-DD, UTC): what the stream consumer
// keeps per partner (a small item per partner and year), so attribution reads a few items whatever
// the number of referrals.
type Daily map[string]int

// Sum counts the referrals of the days from..to (inclusive).
func (d Daily) Sum(from, to time.Time) int {
	n := 0
	if len(d) < int(to.Sub(from).Hours()/24)+1 {
		lo, hi := from.Format(time.DateOnly), to.Format(time.DateOnly)
		for day, c := range d {
			if day >= lo && day <= hi {
				n += c
			}
		}
		return n
	}
	for t := from; !t.After(to); t = t.AddDate(0, 0, 1) {
		n += d[t.Format(time.DateOnly)]
	}
	return n
}

// Windows after a touch, in days; Before is the baseline before it.
var (
	AfterWindows = []int{30, 60, 90}
	BeforeDays   = 90
)

// Window is the referrals of a span of days, and the same as a rate per 30 days so windows of
// different lengths compare. Elapsed is how many of its days have passed (a window reaching past
// today is not complete, and its rate is over the days that passed); the rate is null when none has.
type Window struct {
	Days          int      `json:"days"`
	Elapsed       int      `json:"elapsed"`
	Complete      bool     `json:"complete"`
	Referrals     int      `json:"referrals"`
	PerThirtyDays *float64 `json:"perThirtyDays"`
}

// Attribution is what followed a touch: the partner's referrals in the 30, 60 and 90 days after its
// day (the day after the touch onwards), against the 90 days before it (the touch's own day belongs
// to neither: a referral that day may have come before or after it).
type Attribution struct {
	Before Window   `json:"before"`
	After  []Window `json:"after"`
}

// Attribute computes a touch's attribution from its partner's daily counts, at today.
func Attribute(touchDay string, d Daily, today string) Attribution {
	t, ok := ParseDay(touchDay)
	now, _ := ParseDay(today)
	a := Attribution{After: []Window{}}
	if !ok {
		return a
	}
	a.Before = window(d, t.AddDate(0, 0, -BeforeDays), BeforeDays, now)
	for _, w := range AfterWindows {
		a.After = append(a.After, window(d, t.AddDate(0, 0, 1), w, now))
	}
	return a
}

// window counts the days days from start on, of which those up to now have elapsed.
func window(d Daily, start time.Time, days int, now time.Time) Window {
	w := Window{Days: days}
	end := start.AddDate(0, 0, days-1)
	last := end
	if now.Before(last) {
		last = now
	}
	if !last.Before(start) {
		w.Elapsed = int(last.Sub(start).Hours()/24) + 1
		w.Referrals = d.Sum(start, last)
		r := round2(float64(w.Referrals) * 30 / float64(w.Elapsed))
		w.PerThirtyDays = &r
	}
	w.Complete = w.Elapsed == days
	return w
}

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

// ChannelWindow is, for one window length, how a channel's touches were followed: of the touches
// whose window has fully passed (eligible), how many were followed by at least one referral from
// their partner within it, and the referrals per touch.
type ChannelWindow struct {
	Days              int      `json:"days"`
	Eligible          int      `json:"eligible"`
	Followed          int      `json:"followed"`
	Share             *float64 `json:"share"`
	Referrals         int      `json:"referrals"`
	ReferralsPerTouch *float64 `json:"referralsPerTouch"`
}

// ChannelStats is one channel's touches and what followed them.
type ChannelStats struct {
	Channel string          `json:"channel"`
	Touches int             `json:"touches"`
	Windows []ChannelWindow `json:"windows"`
}

// ByChannel says, per channel, which touches were followed by referrals: the share of touches
// followed by at least one referral within 30, 60 and 90 days, and referrals per touch, counting
// only touches whose window has passed by today. Automatic touches (thank-yous, which follow a
// referral rather than lead to one) are left out. Two touches of a partner close together share
// the referrals that followed both: attribution says what followed, not what caused it.
func ByChannel(touches []Touch, daily map[string]Daily, today string) []ChannelStats {
	now, _ := ParseDay(today)
	by := map[string]*ChannelStats{}
	for _, c := range Channels {
		cs := &ChannelStats{Channel: c}
		for _, w := range AfterWindows {
			cs.Windows = append(cs.Windows, ChannelWindow{Days: w})
		}
		by[c] = cs
	}
	for _, t := range touches {
		cs, ok := by[t.Channel]
		day, okd := ParseDay(t.Date)
		if !ok || !okd || t.Who == Automatic {
			continue
		}
		cs.Touches++
		for i, w := range AfterWindows {
			start, end := day.AddDate(0, 0, 1), day.AddDate(0, 0, w)
			if end.After(now) {
				continue
			}
			n := daily[t.PartnerID].Sum(start, end)
			cw := &cs.Windows[i]
			cw.Eligible++
			cw.Referrals += n
			if n > 0 {
				cw.Followed++
			}
		}
	}
	out := make([]ChannelStats, 0, len(by))
	for _, c := range Channels {
		cs := by[c]
		for i := range cs.Windows {
			cw := &cs.Windows[i]
			if cw.Eligible > 0 {
				s := round2(float64(cw.Followed) / float64(cw.Eligible))
				p := round2(float64(cw.Referrals) / float64(cw.Eligible))
				cw.Share, cw.ReferralsPerTouch = &s, &p
			}
		}
		out = append(out, *cs)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Touches > out[j].Touches })
	return out
}
