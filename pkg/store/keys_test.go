package store

import (
	"testing"
	"time"
)

// TestKeysAreStable pins every key builder to the bytes the table already holds: a key that
// changes its spelling orphans every stored item of its kind.
func TestKeysAreStable(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8, time.FixedZone("x", 3600)) // 04:06:07.000000008 UTC
	lo, hi := bucketRange("2026-03", "2026-05")
	for _, c := range []struct{ got, want string }{
		{tenantPK("t_1"), "T#t_1"},
		{practiceSK(), "PROFILE"},
		{slugPK("lakeside"), "SLUG#lakeside"},
		{slugSK(), "SLUG"},
		{userSK("ek"), "USER#ek"},
		{emailPK("ek"), "EMAIL#ek"},
		{membershipSK("t_1"), "T#t_1#STAFF"},
		{partnerSK("p_1"), "PARTNER#p_1"},
		{partnerPrefix(), "PARTNER#"},
		{referrerSK("ek"), "REFERRER#ek"},
		{referralPK("t_1", "p_1"), "T#t_1#P#p_1"},
		{referralSK("r_1", "01U"), "R#r_1#01U"},
		{referrerPrefix("r_1"), "R#r_1#"},
		{referralPrefix(), "R#"},
		{queuePK("t_1"), "T#t_1#REF"},
		{queueSK("received", at, "01U"), "received#2026-03-04T04:06:07Z#01U"},
		{statusPrefix("received"), "received#"},
		{statusEnd("received"), "received#~"},
		{dueBy("received", at), "received#2026-03-04T04:06:07Z"},
		{linkPK("h"), "LINK#h"},
		{linkSK(), "LINK"},
		{sessionPK("t_1", "ek"), "T#t_1#U#ek"},
		{sessionSK("s"), "SESSION#s"},
		{ratePK("email", "k"), "RL#email#k"},
		{rateSK(at.UTC().Truncate(15 * time.Minute)), "2026-03-04T04:00:00Z"},
		{codePK("h"), "CODE#h"},
		{codeSK(), "CODE"},
		{auditPK("t_1", dayOf(at)), "T#t_1#AUDIT#2026-03-04"},
		{auditSK(at, "ev"), "2026-03-04T04:06:07.000000008Z#ev"},
		{outboxPK("t_1"), "T#t_1#OUTBOX"},
		{deadLetterPK(), "DEADLETTER"},
		{deadLetterSK(at, "ev"), "2026-03-04T04:06:07.000000008Z#ev"},
		{digestPK("2026-03-04"), "DIGEST#2026-03-04"},
		{digestSK("t_1", "ek", "p.r.01U", 7), "t_1#ek#p.r.01U#v007"},
		{factPK("t_1", "2026-03-01"), "T#t_1#FACTS#2026-03-01"},
		{factSK("p.r.01U"), "p.r.01U"},
		{changePK(at), "CHG#2026-03-04T04"},
		{changeSK(at, "t_1", "2026-03-01", "p.r.01U"), "2026-03-04T04:06:07.000000008Z#t_1#2026-03-01#p.r.01U"},
		{changeBound(at), "2026-03-04T04:06:07.000000008Z"},
		{bucketPK("t_1", "month"), "T#t_1#M#month"},
		{bucketSK("2026-03", "all"), "2026-03#all"},
		{lo, "2026-03#"},
		{hi, "2026-05#~"},
		{watermarkPK(), "ROLLUP"},
		{watermarkSK(), "WATERMARK"},
		{viewPK("t_1"), "T#t_1#VIEW"},
		{answerSK("month#2026-01#2026-12#source"), "ANSWER#month#2026-01#2026-12#source"},
		{healthSK(), "HEALTH"},
		{scorecardSK("p_1", "month#2026-01#2026-12"), "SCORECARD#p_1#month#2026-01#2026-12"},
		{counterPK("t_1"), "T#t_1#QUEUE"},
		{counterSK(), "COUNTS"},
		{countedSK("01U", 7), "V#01U#v007"},
		{statsSK("r_1"), "STATS#r_1"},
	} {
		if c.got != c.want {
			t.Errorf("key %q, want %q", c.got, c.want)
		}
	}
}
