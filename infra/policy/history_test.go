package policy_test

// Past referrals (issue 11): what the network function and the importer add to their reach for an
// import of a practice's history (kept here, so the rows stay together).
func init() {
	reach["NetworkFunction"] = append(reach["NetworkFunction"],
		g("Query", table, facts), // which rows' facts are stored already (keys of a day's facts)
	)
	reach["ImporterFunction"] = append(reach["ImporterFunction"],
		g("PutItem", table, facts),       // each row's fact, if absent
		g("GetItem", table, facts),       // a fact a redelivery finds: this import's own?
		g("PutItem", table, change),      // the change marker of each day the chunk touched
		g("UpdateItem", table, referral), // the partner's referrals per day and total
	)
}
