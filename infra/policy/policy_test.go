package policy_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/infra/policy"
	"github.com/referloop/referloop/pkg/store"
)

// Partition keys as pkg/store/keys.go builds them, as IAM patterns: a tenant id is t_ and 12
// characters (ids.Short), a partner id p_ and 12, so each pattern is one kind of partition and no
// other (? is one character, * any run).
const (
	tenant        = "T#t_????????????"                    // the practice, its staff, partners, referrers
	sessions      = tenant + "#U#*"                       // a person's sessions
	referral      = tenant + "#P#p_????????????"          // a partner's referrals
	queue         = tenant + "#REF"                       // GSI1: the practice's work queue
	auditDay      = tenant + "#AUDIT#*"                   // the audit table: a tenant's day
	facts         = tenant + "#FACTS#*"                   // metric facts by cohort day
	buckets       = tenant + "#M#*"                       // metric buckets by granularity
	outbox        = tenant + "#OUTBOX"                    // the notifier's outbox
	queueCounters = tenant + "#QUEUE"                     // the work queue's counters
	views         = tenant + "#VIEW"                      // the dashboard's precomputed views
	intake        = tenant + "#INTAKE"                    // patients' own referrals awaiting confirmation
	imports       = tenant + "#IMPORT#*"                  // an import's chunks (issue 11)
	code          = "CODE#*"                              // patient codes
	link          = "LINK#*"                              // magic links
	linkHead      = "LINKHEAD#*"                          // the newest batch of an address's links
	slug          = "SLUG#*"                              // slug markers
	email         = "EMAIL#*"                             // an address's memberships
	digest        = "DIGEST#*"                            // a day's digest entries
	change        = "CHG#*"                               // the rollup's change feed
	rollup        = "ROLLUP"                              // the rollup's watermark
	parked        = "DEADLETTER"                          // stream records the notifier could not read
	rate          = "RL#"                                 // + scope + "#*": rate-limit counters
	index         = "Table/GSI1"                          // the queue index's resource
	audit         = "AuditTable"                          // the audit trail's table
	table         = "Table"                               // the single table
	tenantID      = "t_0123456789ab"                      // an id of the shape ids.Short("t_") makes
	refKey        = "T#" + tenantID + "#P#p_0123456789ab" // a referral partition
	find          = tenant + "#FIND#*"                    // issue 10: the queue's search index
)

// reach is what each function may do, and nothing more: action, resource, partition key pattern,
// read from the store calls its handlers make (pkg/httpapi, pkg/notifier, pkg/rollup; the keys in
// pkg/store/keys.go). The template's Allow statements must give exactly these; infra/lambdaevents
// checks every call the functions make while handling events/ against the template.
var reach = map[string][]string{
	"AuthFunction": {
		// Practice, user, referrer, partner (sign-in, Me); sessions; slug and link lookups.
		g("GetItem", table, tenant, sessions, slug, link, linkHead),
		g("Query", table, email, sessions),     // memberships; a person's sessions (sign out everywhere)
		g("UpdateItem", table, sessions, link), // last use; ending sessions; a link code's tries
		g("ConditionCheckItem", table, tenant), // not deactivated, when a session starts
		// Links, sessions; the sign-up transaction's slug marker, practice, owner and membership.
		g("PutItem", table, link, linkHead, sessions, slug, tenant, email),
		g("DeleteItem", table, link, sessions), // spending a link; signing out
		g("UpdateItem", table, rate+"signup-ip#*", rate+"link-ip#*", rate+"preview-ip#*", rate+"session-ip#*", rate+"email#*"),
		// The public page's join-link limits; accepting a pending invitation at the first sign-in.
		g("UpdateItem", table, rate+"join-practice#*", rate+"join-address#*"),
		g("UpdateItem", table, tenant),
	},
	"PracticeFunction": {
		g("GetItem", table, tenant, sessions),
		g("Query", table, tenant),                   // partners
		g("PutItem", table, tenant, link, linkHead), // profile, partners, referrers; invitation links
		g("Query", table, sessions),                 // a deactivated person's sessions
		g("UpdateItem", table, sessions),            // last use; ending sessions
		g("UpdateItem", table, tenant, email),       // deactivating a referrer or a staff member
		g("UpdateItem", table, rate+"invite-practice#*", rate+"invite-address#*", rate+"invite-address-all#*"),
		g("Query", audit, auditDay), // GET /v1/audit
		// The team and invitations: address markers, a pending person's removal with their link,
		// invitations and confirmations, their quotas, and the audit trail of each action.
		g("PutItem", table, email),
		g("DeleteItem", table, email),
		g("DeleteItem", table, tenant, link),
		g("UpdateItem", table, tenant),
		g("UpdateItem", table, rate+"member-invite#*", rate+"invite-resend#*"),
		g("PutItem", audit, auditDay),
	},
	"SubmitFunction": {
		g("GetItem", table, tenant, sessions), // contact-by hours; sessions
		g("UpdateItem", table, sessions),      // a session's last use
		g("UpdateItem", table, rate+"submit-referrer#*", rate+"submit-practice#*"),
		g("PutItem", table, referral),
		// Patients' own referrals: slug, pending intakes, the intake partners, their limits.
		g("GetItem", table, slug, intake, referral),
		g("PutItem", table, intake, tenant),
		g("UpdateItem", table, intake),
		g("UpdateItem", table, rate+"intake-ip#*", rate+"intake-confirm-ip#*", rate+"intake-address#*", rate+"intake-practice#*"),
	},
	"ReferralsFunction": {
		g("GetItem", table, referral, sessions),
		g("Query", table, referral), // a referrer's list
		g("UpdateItem", table, sessions),
		g("Query", index, queue), // the practice's list, overdue
		g("PutItem", audit, auditDay),
		g("GetItem", table, tenant), // issue 10: the practice's search key
		g("Query", table, find),     // issue 10: one page of a search term's entries
	},
	"PipelineFunction": {
		g("GetItem", table, referral, sessions),
		g("PutItem", table, referral),              // transitions, answers (version condition)
		g("UpdateItem", table, referral, sessions), // ratings; a session's last use
		g("GetItem", table, queueCounters),         // queue counts: one item
		g("UpdateItem", table, rate+"rating-ip#*"),
		// local10: the practice's country (answers' phones, status-code resends), the resends' limits
		g("GetItem", table, tenant),
		g("UpdateItem", table, rate+"code-referral#*", rate+"code-practice#*"),
	},
	"StatusFunction": {
		g("GetItem", table, referral, tenant),            // a code is read back by the update that counts its try
		g("UpdateItem", table, code, rate+"lookup-ip#*"), // attempts only, counters only (TestStatusChangesOnlyCountersAndCodes)
		g("PutItem", audit, auditDay),
	},
	"NotifierFunction": {
		g("GetItem", table, tenant), // practice, partner, referrer
		g("Query", table, digest),
		g("PutItem", table, parked),
		g("BatchWriteItem", table, facts, change, digest), // a record's plain writes in one call
		g("UpdateItem", table, code, outbox),
		g("UpdateItem", table, rate+"text-referrer#*", rate+"text-practice#*", rate+"text-all#*"),
		g("PutItem", table, queueCounters),              // the counters' transaction
		g("UpdateItem", table, queueCounters, referral), // (authorised item by item)
		g("PutItem", audit, auditDay),
		g("UpdateItem", table, tenant),   // issue 10: the practice's search key, made once; issue 11: a new referral noted on its partner (its stage)
		g("BatchWriteItem", table, find), // issue 10: a referral's search entries
	},
	"MetricsFunction": {
		g("GetItem", table, tenant, sessions, rollup, views),
		g("Query", table, tenant, buckets),
		g("UpdateItem", table, sessions),
	},
	"RollupFunction": {
		g("GetItem", table, rollup, buckets, queueCounters, views, tenant), // tenant: the practice's time zone
		g("PutItem", table, rollup, views, queueCounters),
		g("Query", table, change, facts, buckets),
		g("BatchWriteItem", table, buckets, views),
		g("UpdateItem", table, queueCounters),               // a fold of the counter's ended slots
		g("Query", table, tenant, referral),                 // a first repair: partners, their referrals
		g("BatchWriteItem", table, queueCounters, referral), // its counted markers, referrers' numbers
	},
	// The referral network (issue 11).
	"NetworkFunction": {
		g("GetItem", table, tenant, sessions, views), // partners, staff, import jobs; sessions; stages
		g("Query", table, tenant, referral),          // partners, staff; a partner's referrals
		g("PutItem", table, tenant, imports),         // partners and NPI markers, import jobs; chunks
		g("DeleteItem", table, tenant),               // a partner no referral points at; NPI markers
		g("UpdateItem", table, sessions),             // a session's last use
		g("PutItem", audit, auditDay),                // the referrals export's audit records
		// Merging partners (merge11): the source's numbers and its referrers' sessions read; its
		// touches moved with their log and due entries; a change marker per day of its referrals;
		// the target's numbers, partners merged before and referrers updated; address markers' pid
		// and facts' src.
		g("GetItem", table, referral),
		g("Query", table, sessions),
		g("PutItem", table, referral, touchLog, followUps, change),
		g("DeleteItem", table, referral, touchLog, followUps),
		g("UpdateItem", table, tenant, referral, email, facts),
	},
	"ImporterFunction": {
		g("GetItem", table, tenant),
		g("PutItem", table, tenant),
		g("DeleteItem", table, tenant),
		g("UpdateItem", table, tenant, imports), // the job's counters; a chunk's done mark
	},
}

// g is one action on one resource for each key pattern, as "action resource key" lines.
func g(action, resource string, keys ...string) string {
	var lines []string
	for _, k := range keys {
		lines = append(lines, "dynamodb:"+action+" "+resource+" "+k)
	}
	return strings.Join(lines, "\n")
}

func load(t *testing.T) (*policy.Template, []byte) {
	t.Helper()
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := policy.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return tpl, b
}

// TestEachFunctionReachesOnlyItsItems: every Allow a function has on a DynamoDB table or index is
// one of reach's lines for it, with a dynamodb:LeadingKeys condition; and each line of reach is
// granted (a policy narrower than the code fails in AWS, and infra/lambdaevents would catch it).
func TestEachFunctionReachesOnlyItsItems(t *testing.T) {
	t.Parallel()
	tpl, _ := load(t)
	for fn, stmts := range tpl.Functions {
		want := map[string]bool{}
		for _, lines := range reach[fn] {
			for _, l := range strings.Split(lines, "\n") {
				want[l] = true
			}
		}
		if _, ok := reach[fn]; !ok {
			t.Errorf("%s is not in reach: add what it may do", fn)
		}
		got := map[string]bool{}
		for _, gr := range policy.DynamoDBGrants(stmts) {
			res := strings.Replace(strings.TrimPrefix(gr.Resource, "arn:"), "/index/", "/", 1)
			line := gr.Action + " " + res + " " + gr.Key
			got[line] = true
			switch {
			case gr.Key == "*":
				t.Errorf("%s: %s on %s has no dynamodb:LeadingKeys condition: it reaches every item", fn, gr.Action, gr.Resource)
			case strings.Contains(gr.Action, "*"):
				t.Errorf("%s: a wildcard DynamoDB action %s", fn, gr.Action)
			case !want[line]:
				t.Errorf("%s is granted %q, more than its code needs (reach)", fn, line)
			}
		}
		for l := range want {
			if !got[l] {
				t.Errorf("%s is not granted %q, which its code does (reach)", fn, l)
			}
		}
	}
	for fn := range reach {
		if _, ok := tpl.Functions[fn]; !ok {
			t.Errorf("reach names %s, which is not a function of template.yaml", fn)
		}
	}
}

func allowed(t *testing.T, stmts []policy.Statement, r policy.Request) bool {
	t.Helper()
	ok, _, err := policy.Allowed(stmts, r)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestAuditTrailIsAppendOnly: the audit trail is a table of its own that no role can change or
// delete from; only the functions that record reads and writes append to it, only the practice
// function reads it; the table has no TTL, keeps point-in-time recovery and its KMS key, survives
// the stack, and a locked backup plan keeps it at least store.AuditRetention.
func TestAuditTrailIsAppendOnly(t *testing.T) {
	t.Parallel()
	tpl, raw := load(t)
	if !tpl.Tables[audit] {
		t.Fatalf("template.yaml has no %s", audit)
	}
	writers := map[string]bool{"ReferralsFunction": true, "StatusFunction": true, "NotifierFunction": true, "PracticeFunction": true,
		"NetworkFunction": true} // the referrals export
	key := []string{"T#" + tenantID + "#AUDIT#2026-01-02"}
	item := []string{"PK", "SK", "type", "at", "actor", "role", "action", "referral", "ip"}
	for fn, stmts := range tpl.Functions {
		for _, action := range []string{"UpdateItem", "DeleteItem", "BatchWriteItem", "PartiQLUpdate", "PartiQLDelete",
			"DeleteTable", "UpdateTable", "UpdateTimeToLive", "UpdateContinuousBackups"} {
			r := policy.Request{Action: "dynamodb:" + action, Table: audit, LeadingKeys: key, Attributes: item}
			denied := false
			for _, s := range stmts {
				if ok, err := s.Matches(r); err == nil && ok && s.Effect == "Deny" {
					denied = true
				}
			}
			if !denied {
				t.Errorf("%s has no explicit Deny of %s on the audit table", fn, r.Action)
			}
		}
		put := policy.Request{Action: "dynamodb:PutItem", Table: audit, LeadingKeys: key, Attributes: item}
		if got := allowed(t, stmts, put); got != writers[fn] {
			t.Errorf("%s may append audit records: %v, want %v", fn, got, writers[fn])
		}
		put.ReturnValues = "ALL_OLD" // would read the record it replaces
		if allowed(t, stmts, put) {
			t.Errorf("%s may put to the audit table and read back what was there", fn)
		}
		put.ReturnValues, put.Attributes = "", append(slices.Clone(item), "patient")
		if allowed(t, stmts, put) {
			t.Errorf("%s may put attributes other than an audit record's into the audit table", fn)
		}
		read := policy.Request{Action: "dynamodb:Query", Table: audit, LeadingKeys: key}
		if got := allowed(t, stmts, read); got != (fn == "PracticeFunction") {
			t.Errorf("%s may read the audit trail: %v", fn, got)
		}
		// No function writes audit records to the main table any more.
		if allowed(t, stmts, policy.Request{Action: "dynamodb:PutItem", Table: table, LeadingKeys: key, Attributes: item}) {
			t.Errorf("%s may write audit records into the main table", fn)
		}
	}

	var doc struct {
		Globals struct {
			Function struct {
				Environment struct {
					Variables map[string]yaml.Node `yaml:"Variables"`
				} `yaml:"Environment"`
			} `yaml:"Function"`
		} `yaml:"Globals"`
		Resources map[string]struct {
			Type                string         `yaml:"Type"`
			DeletionPolicy      string         `yaml:"DeletionPolicy"`
			UpdateReplacePolicy string         `yaml:"UpdateReplacePolicy"`
			Properties          map[string]any `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if v := doc.Globals.Function.Environment.Variables["AUDIT_TABLE_NAME"]; v.Tag != "!Ref" || v.Value != audit {
		t.Errorf("Globals AUDIT_TABLE_NAME is %s %q, want !Ref %s", v.Tag, v.Value, audit)
	}
	at := doc.Resources[audit]
	p := at.Properties
	switch {
	case at.DeletionPolicy != "Retain" || at.UpdateReplacePolicy != "Retain":
		t.Errorf("%s: DeletionPolicy %q, UpdateReplacePolicy %q, want Retain", audit, at.DeletionPolicy, at.UpdateReplacePolicy)
	case p["TimeToLiveSpecification"] != nil:
		t.Errorf("%s has a TTL: records would expire", audit)
	case p["StreamSpecification"] != nil:
		t.Errorf("%s has a stream: nothing consumes it", audit)
	case p["DeletionProtectionEnabled"] != true:
		t.Errorf("%s: DeletionProtectionEnabled is not true", audit)
	case fmt.Sprint(p["PointInTimeRecoverySpecification"]) != "map[PointInTimeRecoveryEnabled:true]":
		t.Errorf("%s: no point-in-time recovery", audit)
	case fmt.Sprint(p["SSESpecification"]) != "map[KMSMasterKeyId:TableKey SSEEnabled:true SSEType:KMS]":
		t.Errorf("%s: SSESpecification %v, want the customer-managed key", audit, p["SSESpecification"])
	}

	// The backups: a plan whose rules all keep backups at least store.AuditRetention in a vault
	// locked at that minimum, selecting the audit table.
	minDays := int(store.AuditRetention / (24 * time.Hour))
	var vaults, selections []string
	for id, r := range doc.Resources {
		switch r.Type {
		case "AWS::Backup::BackupVault":
			lock, _ := r.Properties["LockConfiguration"].(map[string]any)
			if n, _ := lock["MinRetentionDays"].(int); n < minDays || lock["ChangeableForDays"] == nil {
				t.Errorf("%s: LockConfiguration %v, want MinRetentionDays ≥ %d in compliance mode (ChangeableForDays)", id, lock, minDays)
			}
			if r.DeletionPolicy != "Retain" {
				t.Errorf("%s: DeletionPolicy %q, want Retain", id, r.DeletionPolicy)
			}
			vaults = append(vaults, id)
		case "AWS::Backup::BackupPlan":
			plan, _ := r.Properties["BackupPlan"].(map[string]any)
			rules, _ := plan["BackupPlanRule"].([]any)
			if len(rules) == 0 {
				t.Errorf("%s has no rules", id)
			}
			for _, x := range rules {
				rule, _ := x.(map[string]any)
				life, _ := rule["Lifecycle"].(map[string]any)
				if n, _ := life["DeleteAfterDays"].(int); n < minDays {
					t.Errorf("%s rule %v keeps backups %d days, want ≥ %d (store.AuditRetention)", id, rule["RuleName"], n, minDays)
				}
			}
		case "AWS::Backup::BackupSelection":
			sel, _ := r.Properties["BackupSelection"].(map[string]any)
			if fmt.Sprint(sel["Resources"]) == "["+audit+".Arn]" {
				selections = append(selections, id)
			}
		}
	}
	if len(vaults) == 0 || len(selections) == 0 {
		t.Errorf("no locked backup vault (%v) or no backup selection of %s (%v)", vaults, audit, selections)
	}
}

// TestStatusChangesOnlyCountersAndCodes: the unauthenticated status function may count a wrong
// answer against a code and bump its own rate counter, and change nothing else.
func TestStatusChangesOnlyCountersAndCodes(t *testing.T) {
	t.Parallel()
	tpl, _ := load(t)
	stmts := tpl.Functions["StatusFunction"]
	for _, c := range []struct {
		r    policy.Request
		want bool
	}{
		// store.FailCode: ADD attempts, on condition attribute_exists(PK).
		{policy.Request{Action: "dynamodb:UpdateItem", Table: table, LeadingKeys: []string{"CODE#ab12"}, Attributes: []string{"PK", "SK", "attempts"}}, true},
		// store.Hit: ADD count SET expiresAt, type; returns the new count.
		{policy.Request{Action: "dynamodb:UpdateItem", Table: table, LeadingKeys: []string{"RL#lookup-ip#ab12"},
			Attributes: []string{"PK", "SK", "count", "expiresAt", "type"}, ReturnValues: "UPDATED_NEW"}, true},
		// Pointing a code at another referral, or reading the whole item back.
		{policy.Request{Action: "dynamodb:UpdateItem", Table: table, LeadingKeys: []string{"CODE#ab12"}, Attributes: []string{"PK", "SK", "rid"}}, false},
		// store.TryCode: counts a try first (creating a short-lived marker for an unknown code) and
		// reads the code's record back to compare.
		{policy.Request{Action: "dynamodb:UpdateItem", Table: table, LeadingKeys: []string{"CODE#ab12"}, Attributes: []string{"PK", "SK", "attempts", "expiresAt", "type"}, ReturnValues: "ALL_NEW"}, true},
		{policy.Request{Action: "dynamodb:UpdateItem", Table: table, LeadingKeys: []string{"CODE#ab12"}, Attributes: []string{"PK", "SK", "attempts", "check"}, ReturnValues: "ALL_NEW"}, false},
		{policy.Request{Action: "dynamodb:PutItem", Table: table, LeadingKeys: []string{"CODE#ab12"}, Attributes: []string{"PK", "SK", "attempts"}}, false},
		{policy.Request{Action: "dynamodb:DeleteItem", Table: table, LeadingKeys: []string{"CODE#ab12"}}, false},
		// Another scope's counters (locking an address out of sign-in), a referral, a practice.
		{policy.Request{Action: "dynamodb:UpdateItem", Table: table, LeadingKeys: []string{"RL#email#ab12"}, Attributes: []string{"PK", "SK", "count"}}, false},
		{policy.Request{Action: "dynamodb:UpdateItem", Table: table, LeadingKeys: []string{refKey}, Attributes: []string{"PK", "SK", "status"}}, false},
		{policy.Request{Action: "dynamodb:PutItem", Table: table, LeadingKeys: []string{"T#" + tenantID}}, false},
		// Reads it needs; one it does not (the queue).
		{policy.Request{Action: "dynamodb:GetItem", Table: table, LeadingKeys: []string{refKey}}, true},
		{policy.Request{Action: "dynamodb:Query", Table: table, Index: "GSI1", LeadingKeys: []string{"T#" + tenantID + "#REF"}}, false},
		{policy.Request{Action: "dynamodb:Query", Table: table, LeadingKeys: []string{refKey}}, false},
	} {
		if got := allowed(t, stmts, c.r); got != c.want {
			t.Errorf("status: %s allowed %v, want %v", c.r, got, c.want)
		}
	}
}

// TestKeyPatternsAreExact: the tenant patterns match the keys the store builds for a tenant and
// nothing of another kind (the queue pattern is not a referral partition, and so on).
func TestKeyPatternsAreExact(t *testing.T) {
	t.Parallel()
	keys := map[string]string{
		tenant:   "T#" + tenantID,
		sessions: "T#" + tenantID + "#U#0123456789abcdef0123456789abcdef",
		referral: refKey,
		queue:    "T#" + tenantID + "#REF",
		auditDay: "T#" + tenantID + "#AUDIT#2026-01-02",
		facts:    "T#" + tenantID + "#FACTS#2026-01-02",
		buckets:  "T#" + tenantID + "#M#month",
		outbox:   "T#" + tenantID + "#OUTBOX",
	}
	for p, k := range keys {
		for q, other := range keys {
			if got := policy.Like(p, other, false); got != (p == q) {
				t.Errorf("pattern %q matches %q: %v (its own key is %q)", p, other, got, k)
			}
		}
	}
	if policy.Like(tenant, "T#t_0123456789abc", false) || policy.Like(tenant, "T#t_0123456789a", false) {
		t.Error("the tenant pattern matches ids of another length")
	}
}

// TestMailAndTextsOnlyAsConfigured: ses:SendEmail only from the configured identity (the
// sender's address or its domain) with the From address pinned; sns:Publish only to phone numbers
// (every SNS ARN denied), in the stack's partition; no ARN in the template hard-codes a partition.
func TestMailAndTextsOnlyAsConfigured(t *testing.T) {
	t.Parallel()
	tpl, raw := load(t)
	if strings.Contains(string(raw), "arn:aws:") || strings.Contains(string(raw), "arn:aws-") {
		t.Error("template.yaml hard-codes a partition (arn:aws…): use ${AWS::Partition}")
	}
	wantSES := []string{
		"arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderDomain}",
		"arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderEmail}",
	}
	const snsARNs = "arn:${AWS::Partition}:sns:*:*:*"
	for fn, stmts := range tpl.Functions {
		snsDenied := false
		for _, s := range stmts {
			for _, a := range s.Actions {
				switch {
				case strings.EqualFold(a, "ses:SendEmail") && s.Effect == "Allow":
					res := slices.Sorted(slices.Values(s.Resources))
					if !slices.Equal(res, wantSES) || s.NotResources != nil {
						t.Errorf("%s: ses:SendEmail on %v, want the sender's identities %v", fn, res, wantSES)
					}
					if fmt.Sprint(s.Conditions) != "[{StringEquals ses:FromAddress [ref:SenderEmail]}]" {
						t.Errorf("%s: ses:SendEmail conditions %v, want ses:FromAddress = !Ref SenderEmail", fn, s.Conditions)
					}
				case strings.HasPrefix(strings.ToLower(a), "ses:") && s.Effect == "Allow":
					t.Errorf("%s: %s; the functions send with ses:SendEmail only", fn, a)
				case strings.EqualFold(a, "sns:Publish") && s.Effect == "Deny":
					snsDenied = snsDenied || slices.Equal(s.Resources, []string{snsARNs})
				case strings.EqualFold(a, "sns:Publish"):
					if fn != "NotifierFunction" {
						t.Errorf("%s may publish to SNS; only the notifier texts", fn)
					}
					if s.Resources != nil || !slices.Equal(s.NotResources, []string{snsARNs}) || len(s.Conditions) == 0 {
						t.Errorf("%s: sns:Publish on %v / not on %v with %v; want NotResource %s with a condition",
							fn, s.Resources, s.NotResources, s.Conditions, snsARNs)
					}
				case strings.HasPrefix(strings.ToLower(a), "sns:") && s.Effect == "Allow":
					t.Errorf("%s: %s; the notifier only publishes", fn, a)
				}
			}
		}
		if fn == "NotifierFunction" && !snsDenied {
			t.Errorf("%s: no Deny of sns:Publish on %s (topics and endpoints)", fn, snsARNs)
		}
	}
}

// TestWildcardsAreJustified reads template.yaml's nodes: every wildcard action (one with *) and
// every wildcard resource ("*", or an ARN ending in *) of any policy statement must have a comment
// on its line saying why. The justified ones are logged.
func TestWildcardsAreJustified(t *testing.T) {
	t.Parallel()
	_, raw := load(t)
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	var justified []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				switch k.Value {
				case "Action", "NotAction", "Resource", "NotResource":
					for _, item := range items(v) {
						val := policy.Value(item)
						action := strings.HasSuffix(k.Value, "Action")
						if !(action && strings.Contains(val, "*") || !action && (val == "*" || strings.HasSuffix(val, "*"))) {
							continue
						}
						why := comment(k, v, item)
						where := "template.yaml:" + strconv.Itoa(item.Line) + ": " + k.Value + " " + val
						if len(strings.Fields(why)) < 3 {
							t.Errorf("%s is a wildcard without a comment beside it saying why", where)
							continue
						}
						justified = append(justified, where+" # "+why)
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	sort.Strings(justified)
	for _, j := range justified {
		t.Log(j)
	}
}

// items are a value's scalars: the value itself, or a list's elements (a !Sub list is one value).
func items(v *yaml.Node) []*yaml.Node {
	if v.Kind == yaml.SequenceNode && v.Tag != "!Sub" {
		return v.Content
	}
	return []*yaml.Node{v}
}

// comment is the comment on the line of item: its own, its list's or its key's.
func comment(key, value, item *yaml.Node) string {
	for _, n := range []*yaml.Node{item, value, key} {
		if c := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(n.LineComment), "#")); c != "" {
			return c
		}
	}
	return ""
}
