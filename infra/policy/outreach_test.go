package policy_test

// The outreach function's reach, and what the notifier's outreach work adds to its own (kept here,
// beside the rest of reach, so the outreach rows stay together).
const (
	followUps = tenant + "#FOLLOWUP" // the due index: open follow-ups by due day
	touchLog  = tenant + "#TOUCHLOG" // the touch log: touches by day
)

func init() {
	reach["OutreachFunction"] = []string{
		// The practice, its partners, members and templates; sessions; a touch, a partner's
		// referrals per day and outreach numbers.
		g("GetItem", table, tenant, sessions, referral, tenant+"#VIEW"),
		g("Query", table, tenant, referral, followUps, touchLog), // partners, members; touches; due list; touch log
		g("PutItem", table, referral, followUps, touchLog),       // a touch with its due and log entries
		g("UpdateItem", table, referral, tenant, sessions),       // a follow-up done, last touch; templates; a session's last use
		g("DeleteItem", table, followUps),                        // a done follow-up leaves the due list
		g("UpdateItem", table, rate+"outreach-address#*", rate+"outreach-practice#*"),
	}
	reach["NotifierFunction"] = append(reach["NotifierFunction"],
		// A new referral counted per partner and day once; an automatic thank-you's touch and log
		// entry; the outreach email limits.
		g("GetItem", table, referral),
		g("Query", table, referral),
		g("PutItem", table, referral, touchLog),
		g("UpdateItem", table, rate+"outreach-address#*", rate+"outreach-practice#*"),
	)
}
