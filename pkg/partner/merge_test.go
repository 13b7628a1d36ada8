package partner

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestMerged(t *testing.T) {
	day := func(d int) *time.Time { x := time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC); return &x }
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name       string
		into, from Partner
		check      func(b, a Partner) string
	}{
		{"empty details filled, own kept",
			Partner{ID: "p_b", Name: "Westside", ContactEmail: "desk@westside.example", Details: Details{Tags: []string{"vip"}}},
			Partner{ID: "p_a", Name: "New", NPI: "1245319599", ContactEmail: "dr@new.example", Specialty: "Spine", Unconfirmed: true,
				Details: Details{Phone: "+13125550142", Address: "1 Main St", ZIP: "60614", Tags: []string{"VIP", "lunch"}}},
			func(b, a Partner) string {
				if b.NPI != "1245319599" || b.ContactEmail != "desk@westside.example" || b.Specialty != "Spine" || b.Phone != "+13125550142" ||
					b.Address != "1 Main St" || b.ZIP != "60614" || strings.Join(b.Tags, ",") != "lunch,vip" || b.Unconfirmed || b.Name != "Westside" {
					return fmt.Sprintf("target %+v", b)
				}
				return ""
			}},
		{"an address comes with its ZIP only when the target has none",
			Partner{ID: "p_b", Details: Details{Address: "9 Elm", ZIP: "10001"}}, Partner{ID: "p_a", Details: Details{Address: "1 Main", ZIP: "60614"}},
			func(b, a Partner) string {
				if b.Address != "9 Elm" || b.ZIP != "10001" {
					return fmt.Sprintf("address %q %q", b.Address, b.ZIP)
				}
				return ""
			}},
		{"numbers combined",
			Partner{ID: "p_b", FirstReferralAt: day(5), LastReferralAt: day(20), ReferralCount: 4},
			Partner{ID: "p_a", FirstReferralAt: day(2), LastReferralAt: day(10), ReferralCount: 3},
			func(b, a Partner) string {
				if !b.FirstReferralAt.Equal(*day(2)) || !b.LastReferralAt.Equal(*day(20)) || b.ReferralCount != 7 {
					return fmt.Sprintf("numbers %v %v %d", b.FirstReferralAt, b.LastReferralAt, b.ReferralCount)
				}
				return ""
			}},
		{"a target with no referral takes the source's dates",
			Partner{ID: "p_b"}, Partner{ID: "p_a", FirstReferralAt: day(2), LastReferralAt: day(10), ReferralCount: 1},
			func(b, a Partner) string {
				if b.FirstReferralAt == nil || !b.LastReferralAt.Equal(*day(10)) || b.ReferralCount != 1 {
					return fmt.Sprintf("numbers %v %v %d", b.FirstReferralAt, b.LastReferralAt, b.ReferralCount)
				}
				return ""
			}},
		{"the source archived, pointing at the target; merged-from flattened",
			Partner{ID: "p_b", MergedFrom: []string{"p_x"}}, Partner{ID: "p_a", MergedFrom: []string{"p_y", "p_x"}},
			func(b, a Partner) string {
				if a.MergedInto != "p_b" || a.ArchivedAt == nil || !a.ArchivedAt.Equal(at) || strings.Join(b.MergedFrom, ",") != "p_x,p_a,p_y" {
					return fmt.Sprintf("source %+v target %v", a, b.MergedFrom)
				}
				return ""
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			into := c.into
			b, a := Merged(c.into, c.from, at)
			if msg := c.check(b, a); msg != "" {
				t.Error(msg)
			}
			if len(into.Tags) > 0 && &into.Tags[0] == &b.Tags[0] && len(b.Tags) != len(into.Tags) {
				t.Error("the target's tags were changed in place")
			}
		})
	}
}
