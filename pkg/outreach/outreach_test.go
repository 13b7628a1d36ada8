package outreach

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/valid"
)

const me = "0123456789abcdef0123456789abcdef"
const other = "fedcba9876543210fedcba9876543210"

func TestTouchInput(t *testing.T) {
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		in     Input
		fields []string // the fields refused, in order; none: valid
		check  func(t *testing.T, tc Touch)
	}{
		{"defaults", Input{Date: "2026-03-10", Channel: "call"}, nil, func(t *testing.T, tc Touch) {
			if tc.Who != me || tc.Response != ResponseNone || tc.FollowUp != nil {
				t.Errorf("who %q response %q followUp %v", tc.Who, tc.Response, tc.FollowUp)
			}
		}},
		{"follow-up owner defaults to who", Input{Date: "2026-03-10", Channel: "visit", Who: other, FollowUpDate: "2026-03-17"}, nil,
			func(t *testing.T, tc Touch) {
				if !tc.Open() || tc.FollowUp.Owner != other || tc.FollowUp.Due != "2026-03-17" {
					t.Errorf("follow-up %+v", tc.FollowUp)
				}
			}},
		{"tomorrow is fine (time zones)", Input{Date: "2026-03-11", Channel: "email"}, nil, nil},
		{"missing date and bad channel", Input{Channel: "fax"}, []string{"channel", "date"}, nil},
		{"future", Input{Date: "2026-03-13", Channel: "call"}, []string{"date"}, nil},
		{"not a date", Input{Date: "03/10/2026", Channel: "call"}, []string{"date"}, nil},
		{"old", Input{Date: "2020-03-09", Channel: "call"}, []string{"date"}, nil},
		{"bad response", Input{Date: "2026-03-10", Channel: "call", Response: "maybe"}, []string{"response"}, nil},
		{"who not a member id", Input{Date: "2026-03-10", Channel: "call", Who: "bob@example.com"}, []string{"who"}, nil},
		{"follow-up before touch", Input{Date: "2026-03-10", Channel: "call", FollowUpDate: "2026-03-09"}, []string{"followUpDate"}, nil},
		{"follow-up far away", Input{Date: "2026-03-10", Channel: "call", FollowUpDate: "2029-03-09"}, []string{"followUpDate"}, nil},
		{"owner without date", Input{Date: "2026-03-10", Channel: "call", FollowUpOwner: other}, []string{"followUpOwner"}, nil},
		{"summary too long", Input{Date: "2026-03-10", Channel: "call", Summary: strings.Repeat("x", MaxSummary+1)}, []string{"summary"}, nil},
		{"summary control chars", Input{Date: "2026-03-10", Channel: "call", Summary: "a\x1bb"}, []string{"summary"}, nil},
		{"summary line breaks kept", Input{Date: "2026-03-10", Channel: "lunch", Summary: "met Dr. Lee\nbrought the one-pager"}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc, err := c.in.Touch("t1", "p_1", me, "2026-03-10", now)
			var got []string
			if err != nil {
				errs, ok := fieldsOf(err)
				if !ok {
					t.Fatalf("not a field error: %v", err)
				}
				got = errs
			}
			if strings.Join(got, ",") != strings.Join(c.fields, ",") {
				t.Fatalf("refused %v, want %v (%v)", got, c.fields, err)
			}
			if err == nil && c.check != nil {
				c.check(t, tc)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	touch := func(day, resp, who string) Touch {
		return Touch{Date: day, Response: resp, Who: who, Channel: "call"}
	}
	four := []Touch{touch("2026-03-01", "none", me), touch("2026-03-05", "none", me), touch("2026-03-08", "none", me), touch("2026-03-10", "none", me)}
	cases := []struct {
		name    string
		touches []Touch
		warn    bool
	}{
		{"three unanswered", four[:3], false},
		{"four unanswered", four, true},
		{"four, one answered", append(append([]Touch{}, four...), touch("2026-02-01", "positive", me)), true},
		{"four, one answered in the window", append(append([]Touch{}, four[:3]...), touch("2026-03-10", "declined", me)), false},
		{"one outside 30 days", append([]Touch{touch("2026-02-08", "none", me)}, four[1:]...), false},
		{"automatic ones do not count", append(append([]Touch{}, four[:3]...), touch("2026-03-09", "none", Automatic)), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := Warnings(c.touches, "2026-03-10")
			if (len(w) > 0) != c.warn {
				t.Errorf("warnings %v, want warn=%v", w, c.warn)
			}
		})
	}
}

func TestGroupDue(t *testing.T) {
	list := []Due{
		{TouchID: "a", Owner: other, Due: "2026-03-01"},
		{TouchID: "b", Owner: me, Due: "2026-03-10"},
		{TouchID: "c", Owner: me, Due: "2026-03-16"},
		{TouchID: "d", Owner: me, Due: "2026-03-17"}, // past the week
		{TouchID: "e", Owner: me, Due: "2026-03-02"},
		{TouchID: "f", Owner: me, Due: "2026-02-02"},
	}
	g := GroupDue(list, "2026-03-10", me)
	if len(g) != 2 || g[0].Owner != me || g[1].Owner != other {
		t.Fatalf("groups %+v", g)
	}
	ids := func(ds []Due) string {
		var s []string
		for _, d := range ds {
			s = append(s, d.TouchID)
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct{ got, want string }{
		{ids(g[0].Overdue), "f,e"}, {ids(g[0].Today), "b"}, {ids(g[0].ThisWeek), "c"}, {ids(g[1].Overdue), "a"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

func TestTemplates(t *testing.T) {
	for _, c := range []struct {
		body string
		ok   bool
	}{
		{"Hi {{first_name}}, from {{ practice }}", true},
		{"Hi {{name}}", false},
		{"Hi {{.Practice}}", false},
		{`{{define "x"}}{{end}}`, false},
		{"", false},
		{strings.Repeat("a", MaxTemplateLength+1), false},
		{"plain words", true},
	} {
		if err := CheckBody(c.body); (err == nil) != c.ok {
			t.Errorf("CheckBody(%.30q) = %v, want ok=%v", c.body, err, c.ok)
		}
	}
	got := Fill("Hi {{first_name}}, {{practice}} {{ practice}}. {{other}}", "Ana\r\nBcc: x@y", "{{first_name}} Clinic")
	if got != "Hi Ana  Bcc: x@y, {{first_name}} Clinic {{first_name}} Clinic. {{other}}" {
		t.Errorf("Fill = %q", got)
	}
	if Fill("Hello {{first_name}}", "", "P") != "Hello there" {
		t.Error("a missing first name is not 'there'")
	}
	for name, want := range map[string]string{"Ana Lee": "Ana", "Dr. Ana Lee": "Dr. Lee", "dr Lee": "dr Lee", "": "", "  Bo ": "Bo"} {
		if got := FirstName(name); got != want {
			t.Errorf("FirstName(%q) = %q, want %q", name, got, want)
		}
	}
	for _, k := range TemplateKinds {
		if err := CheckBody(Defaults[k]); err != nil {
			t.Errorf("default %s: %v", k, err)
		}
		if strings.ContainsAny(Subjects[k], "{}\r\n") {
			t.Errorf("subject of %s is not fixed text", k)
		}
	}
	s := Settings{Bodies: map[string]string{KindCheckIn: "mine"}}
	if tp := s.Template(KindCheckIn); !tp.Custom || tp.Body != "mine" {
		t.Errorf("custom template %+v", tp)
	}
	if tp := s.Template(KindIntroduction); tp.Custom || tp.Body != Defaults[KindIntroduction] {
		t.Errorf("default template %+v", tp)
	}
}

// bruteAfter counts, referral by referral, those received in the w days after day (day+1..day+w)
// that had happened by today.
func bruteCount(refs []string, from, to string) int {
	n := 0
	for _, r := range refs {
		if r >= from && r <= to {
			n++
		}
	}
	return n
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

// TestAttributionBruteForce checks Attribute and ByChannel against a direct count over random
// histories: seeds 1 to 8, each 6 partners with up to 60 referrals and 12 touches over 400 days.
func TestAttributionBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed*7919))
		start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		today := start.AddDate(0, 0, 400)
		refs := map[string][]string{}
		daily := map[string]Daily{}
		var touches []Touch
		for p := 0; p < 6; p++ {
			pid := "p_" + string(rune('a'+p))
			daily[pid] = Daily{}
			for i := rng.IntN(60); i > 0; i-- {
				d := day(start.AddDate(0, 0, rng.IntN(401)))
				refs[pid] = append(refs[pid], d)
				daily[pid][d]++
			}
			for i := rng.IntN(12); i > 0; i-- {
				who := me
				if rng.IntN(6) == 0 {
					who = Automatic
				}
				touches = append(touches, Touch{PartnerID: pid, Date: day(start.AddDate(0, 0, rng.IntN(401))),
					Channel: Channels[rng.IntN(len(Channels))], Who: who})
			}
		}
		// Per touch.
		for _, tc := range touches {
			a := Attribute(tc.Date, daily[tc.PartnerID], day(today))
			td, _ := ParseDay(tc.Date)
			before := bruteCount(refs[tc.PartnerID], day(td.AddDate(0, 0, -90)), day(td.AddDate(0, 0, -1)))
			if a.Before.Referrals != before || !a.Before.Complete {
				t.Fatalf("seed %d touch %+v: before %+v, brute %d", seed, tc, a.Before, before)
			}
			if want := float64(before) / 3; a.Before.PerThirtyDays == nil || abs(*a.Before.PerThirtyDays-want) > 0.006 {
				t.Fatalf("seed %d: before rate %v, want %.3f", seed, a.Before.PerThirtyDays, want)
			}
			for i, w := range AfterWindows {
				end := td.AddDate(0, 0, w)
				if end.After(today) {
					end = today
				}
				n := bruteCount(refs[tc.PartnerID], day(td.AddDate(0, 0, 1)), day(end))
				elapsed := int(end.Sub(td).Hours() / 24)
				got := a.After[i]
				if got.Referrals != n || got.Elapsed != elapsed || got.Complete != (elapsed == w) {
					t.Fatalf("seed %d touch %+v window %d: %+v, brute %d referrals over %d days", seed, tc, w, got, n, elapsed)
				}
				if elapsed > 0 && abs(*got.PerThirtyDays-float64(n)*30/float64(elapsed)) > 0.006 {
					t.Fatalf("seed %d: rate %v for %d over %d", seed, *got.PerThirtyDays, n, elapsed)
				}
			}
		}
		// Per channel.
		stats := ByChannel(touches, daily, day(today))
		for _, cs := range stats {
			for i, w := range AfterWindows {
				var touchesN, eligible, followed, referrals int
				for _, tc := range touches {
					if tc.Channel != cs.Channel || tc.Who == Automatic {
						continue
					}
					if i == 0 {
						touchesN++
					}
					td, _ := ParseDay(tc.Date)
					if td.AddDate(0, 0, w).After(today) {
						continue
					}
					eligible++
					n := bruteCount(refs[tc.PartnerID], day(td.AddDate(0, 0, 1)), day(td.AddDate(0, 0, w)))
					referrals += n
					if n > 0 {
						followed++
					}
				}
				cw := cs.Windows[i]
				if i == 0 && cs.Touches != touchesN {
					t.Fatalf("seed %d %s: touches %d, brute %d", seed, cs.Channel, cs.Touches, touchesN)
				}
				if cw.Eligible != eligible || cw.Followed != followed || cw.Referrals != referrals {
					t.Fatalf("seed %d %s %dd: %+v, brute eligible %d followed %d referrals %d", seed, cs.Channel, w, cw, eligible, followed, referrals)
				}
				if eligible > 0 && abs(*cw.Share-float64(followed)/float64(eligible)) > 0.006 {
					t.Fatalf("seed %d: share %v", seed, *cw.Share)
				}
			}
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestRank(t *testing.T) {
	today := "2026-06-30"
	now, _ := ParseDay(today)
	old := now.AddDate(-1, 0, 0)
	steady := Daily{}
	for d := now.AddDate(0, 0, -300); !d.After(now.AddDate(0, 0, -100)); d = d.AddDate(0, 0, 10) {
		steady[day(d)]++ // every 10 days until 100 days ago: quiet (threshold 30 days)
	}
	fell := Daily{}
	for d := now.AddDate(0, 0, -179); d.Before(now.AddDate(0, 0, -90)); d = d.AddDate(0, 0, 9) {
		fell[day(d)] += 2 // 20 in the prior 90 days
	}
	for d := now.AddDate(0, 0, -80); !d.After(now); d = d.AddDate(0, 0, 12) {
		fell[day(d)]++ // 7 in the last 90, none more than 12 days apart: not quiet
	}
	active := Daily{}
	for d := now.AddDate(0, 0, -179); !d.After(now); d = d.AddDate(0, 0, 7) {
		active[day(d)]++
	}
	sources := []Source{
		{ID: "p_quiet", Name: "Quiet", Kind: "pcp", CreatedAt: old, Daily: steady, Total: 21},
		{ID: "p_fell", Name: "Fell", Kind: "pcp", CreatedAt: old, Daily: fell, Total: 27},
		{ID: "p_active", Name: "Active", Kind: "pcp", CreatedAt: old, Daily: active, Total: 26},
		{ID: "p_new", Name: "New", Kind: "pcp", CreatedAt: now.AddDate(0, 0, -3), Daily: Daily{}},
		{ID: "p_prospect", Name: "Prospect", Kind: "specialist", CreatedAt: old, Daily: Daily{}},
		{ID: "p_touched", Name: "Touched", Kind: "specialist", CreatedAt: old.AddDate(-1, 0, 0), Daily: Daily{}, LastTouch: "2026-06-25"},
		{ID: "p_patient", Name: "A patient", Kind: "patient", CreatedAt: old, Daily: Daily{}},
		{ID: "p_gone", Name: "Gone", Kind: "pcp", CreatedAt: old, Daily: Daily{}, Total: 4},
	}
	got := Rank(sources, today)
	var order []string
	for _, s := range got {
		order = append(order, s.PartnerID+":"+s.Reason)
	}
	want := "p_quiet:quiet,p_gone:quiet,p_fell:fell,p_prospect:prospect,p_new:prospect,p_touched:prospect"
	if strings.Join(order, ",") != want {
		t.Fatalf("rank\n got %s\nwant %s", strings.Join(order, ","), want)
	}
	if got[2].Last90 != 7 || got[2].Prior90 != 20 {
		t.Errorf("fell: %d against %d", got[2].Last90, got[2].Prior90)
	}
	if !got[5].RecentlyTouched {
		t.Error("touched 5 days ago, not marked")
	}
}

func fieldsOf(err error) ([]string, bool) {
	errs, ok := valid.As(err)
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out, ok
}

// TestRankUsesTheRollupBeforeDailyCounts: a partner whose referrals all came before the daily
// counts began is judged by the rollup's rhythm, never called a prospect.
func TestRankUsesTheRollupBeforeDailyCounts(t *testing.T) {
	now, _ := ParseDay("2026-06-30")
	gap := 10 * 86400.0
	busy := metricsRhythm(12, now.AddDate(0, 0, -5), gap)
	quiet := metricsRhythm(12, now.AddDate(0, 0, -120), gap)
	got := Rank([]Source{
		{ID: "p_busy", Name: "Busy", Kind: "pcp", CreatedAt: now.AddDate(-2, 0, 0), Daily: Daily{}, Rolled: busy},
		{ID: "p_quiet", Name: "Quiet", Kind: "pcp", CreatedAt: now.AddDate(-2, 0, 0), Daily: Daily{}, Rolled: quiet},
	}, "2026-06-30")
	if len(got) != 1 || got[0].PartnerID != "p_quiet" || got[0].Reason != ReasonQuiet {
		t.Fatalf("rank %+v", got)
	}
}

func metricsRhythm(n int, last time.Time, gap float64) metrics.Rhythm {
	return metrics.Rhythm{Referrals: n, Last: last.Unix(), MedianGap: &gap}
}
