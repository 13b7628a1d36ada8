package store

import "github.com/referloop/referloop/pkg/metrics"

// answerColumns is how a view stores an answer: its rows (the total first) as columns, one array
// per figure, so the gzipped item holds the numbers and hardly any names. A year by week (53 rows)
// at 1,000,000 referrals is about 2.3 KB (4.4 KB as an array of objects), under the 4 KB a read
// unit holds, whatever the volume. The estimate flag and relative error of a Stat follow from its
// n (metrics' rule), so they are not stored.
type answerColumns struct {
	Keys        []string         `json:"k"` // "" for the total
	Received    []int            `json:"rc"`
	Accepted    []int            `json:"ac"`
	Declined    []int            `json:"dc"`
	DeclinedBy  []map[string]int `json:"db"`
	Contacted   []int            `json:"ct"`
	Scheduled   []int            `json:"sc"`
	Seen        []int            `json:"se"`
	NoShow      []int            `json:"ns"`
	Closed      []int            `json:"cl"`
	Cancelled   []int            `json:"ca"`
	Unreachable []int            `json:"ur"`
	Due         []int            `json:"du"` // contact-by passed (compliance's denominator)
	Overdue     []int            `json:"od"` // of those, not contacted yet
	ShowRate    []*float64       `json:"sr"`
	Compliance  []*float64       `json:"cc"`
	MedianDays  []*float64       `json:"md"`
	Stats       [4]statColumns   `json:"st"` // to contact, to schedule, to visit, form seconds
}

type statColumns struct {
	N      []int      `json:"n"`
	Median []*float64 `json:"m"`
	P90    []*float64 `json:"p"`
}

func statsOf(s *metrics.Summary) [4]*metrics.Stat {
	return [4]*metrics.Stat{&s.HoursToContact, &s.HoursToSchedule, &s.HoursToVisit, &s.FormSeconds}
}

func packAnswer(a metrics.Answer) answerColumns {
	var c answerColumns
	add := func(key string, s metrics.Summary) {
		c.Keys = append(c.Keys, key)
		c.Received, c.Accepted, c.Declined = append(c.Received, s.Received), append(c.Accepted, s.Accepted), append(c.Declined, s.Declined)
		c.DeclinedBy = append(c.DeclinedBy, s.DeclinedBy)
		c.Contacted, c.Scheduled, c.Seen = append(c.Contacted, s.Contacted), append(c.Scheduled, s.Scheduled), append(c.Seen, s.Seen)
		c.NoShow, c.Closed, c.Cancelled = append(c.NoShow, s.NoShow), append(c.Closed, s.Closed), append(c.Cancelled, s.Cancelled)
		c.Unreachable = append(c.Unreachable, s.Unreachable)
		c.Due, c.Overdue = append(c.Due, s.Due), append(c.Overdue, s.Overdue)
		c.ShowRate, c.Compliance = append(c.ShowRate, s.ShowRate), append(c.Compliance, s.ContactCompliance)
		c.MedianDays = append(c.MedianDays, s.MedianDaysBetweenReferrals)
		for i, st := range statsOf(&s) {
			c.Stats[i].N = append(c.Stats[i].N, st.N)
			c.Stats[i].Median, c.Stats[i].P90 = append(c.Stats[i].Median, st.Median), append(c.Stats[i].P90, st.P90)
		}
	}
	add("", a.Total)
	for _, r := range a.Rows {
		add(r.Key, r.Summary)
	}
	return c
}

func (c answerColumns) answer() metrics.Answer {
	at := func(i int) metrics.Summary {
		get := func(l []int) int {
			if i < len(l) {
				return l[i]
			}
			return 0
		}
		getf := func(l []*float64) *float64 {
			if i < len(l) {
				return l[i]
			}
			return nil
		}
		s := metrics.Summary{Received: get(c.Received), Accepted: get(c.Accepted), Declined: get(c.Declined), Contacted: get(c.Contacted),
			Scheduled: get(c.Scheduled), Seen: get(c.Seen), NoShow: get(c.NoShow), Closed: get(c.Closed), Cancelled: get(c.Cancelled),
			Unreachable: get(c.Unreachable), Due: get(c.Due), Overdue: get(c.Overdue), ShowRate: getf(c.ShowRate), ContactCompliance: getf(c.Compliance),
			MedianDaysBetweenReferrals: getf(c.MedianDays), DeclinedBy: map[string]int{}}
		if i < len(c.DeclinedBy) && c.DeclinedBy[i] != nil {
			s.DeclinedBy = c.DeclinedBy[i]
		}
		for j, st := range statsOf(&s) {
			sc := c.Stats[j]
			st.N, st.Median, st.P90 = get(sc.N), getf(sc.Median), getf(sc.P90)
			if st.N > 0 {
				st.Estimate, st.RelativeError = true, metrics.Accuracy
			}
		}
		return s
	}
	a := metrics.Answer{Rows: []metrics.Row{}}
	for i, k := range c.Keys {
		if i == 0 {
			a.Total = at(0)
			continue
		}
		a.Rows = append(a.Rows, metrics.Row{Key: k, Summary: at(i)})
	}
	return a
}
