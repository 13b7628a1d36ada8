package outreach

import (
	"sort"
	"time"
)

// Due is one open follow-up on the due list.
type Due struct {
	TouchID     string `json:"touchId"`
	PartnerID   string `json:"partnerId"`
	PartnerName string `json:"partnerName"`
	Due         string `json:"due"`
	Owner       string `json:"owner"`
	Channel     string `json:"channel"`
	TouchDate   string `json:"touchDate"`
	// Summary is the touch's summary, cut to its first 140 characters.
	Summary string `json:"summary"`
}

// DueGroup is one owner's follow-ups: overdue (due before today), due today, and due later this
// week (the six days after today).
type DueGroup struct {
	Owner    string `json:"owner"`
	Overdue  []Due  `json:"overdue"`
	Today    []Due  `json:"today"`
	ThisWeek []Due  `json:"thisWeek"`
}

// WeekEnd is the last day the due list shows, for today.
func WeekEnd(today time.Time) string { return today.AddDate(0, 0, 6).Format(time.DateOnly) }

// GroupDue groups open follow-ups (due up to WeekEnd) by owner, at today. me's group comes first,
// then the others by owner id; in each part, the oldest due first.
func GroupDue(list []Due, today, me string) []DueGroup {
	by := map[string]*DueGroup{}
	t, _ := ParseDay(today)
	end := WeekEnd(t)
	for _, d := range list {
		if d.Due > end {
			continue
		}
		g := by[d.Owner]
		if g == nil {
			g = &DueGroup{Owner: d.Owner, Overdue: []Due{}, Today: []Due{}, ThisWeek: []Due{}}
			by[d.Owner] = g
		}
		switch {
		case d.Due < today:
			g.Overdue = append(g.Overdue, d)
		case d.Due == today:
			g.Today = append(g.Today, d)
		default:
			g.ThisWeek = append(g.ThisWeek, d)
		}
	}
	out := make([]DueGroup, 0, len(by))
	for _, g := range by {
		for _, part := range [][]Due{g.Overdue, g.Today, g.ThisWeek} {
			sort.SliceStable(part, func(i, j int) bool {
				if part[i].Due != part[j].Due {
					return part[i].Due < part[j].Due
				}
				return part[i].TouchID < part[j].TouchID
			})
		}
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Owner == me) != (out[j].Owner == me) {
			return out[i].Owner == me
		}
		return out[i].Owner < out[j].Owner
	})
	return out
}

// Short cuts s to n characters (runes), with an ellipsis when cut.
func Short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
