package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/referral"
)

// Every key of the single table is built here: partition keys, sort keys, the queue index's keys,
// the prefixes and bounds of key conditions. Keys that hold a tenant's data begin with "T#<tenant>",
// so no handler can name another tenant's item: the tenant always comes from the verified session.
// The few global items (slug and email markers, link tokens, patient codes, rate counters, change
// markers, digests, dead letters, the rollup's watermark) hold ids and hashes only.
// docs/data-model.md lists every item kind and the access patterns and key conditions that serve
// them; TestDataModelDocumentsEveryKey holds it to this file.

const (
	attrPK     = "PK"
	attrSK     = "SK"
	attrGSI1PK = "GSI1PK"
	attrGSI1SK = "GSI1SK"
	attrTTL    = "expiresAt"
	attrType   = "type"
	gsi1       = "GSI1"
)

// Item kinds: the value of every item's "type" attribute. The table's stream is filtered on
// typeReferral (template.yaml's NotifierFunction).
const (
	typePractice     = "practice"
	typeSlug         = "slug"
	typeUser         = "user"
	typeMembership   = "membership"
	typePartner      = "partner"
	typeReferrer     = "referrer"
	typeLink         = "link"
	typeLinkHead     = "linkhead"
	typeSession      = "session"
	typeRate         = "rate"
	typeReferral     = "referral"
	typeCode         = "code"
	typeAudit        = "audit"
	typeNotification = "notification"
	typeDeadLetter   = "deadletter"
	typeDigest       = "digest"
	typeFact         = "fact"
	typeChange       = "change"
	typeBucket       = "bucket"
	typeWatermark    = "watermark"
	typeView         = "view"
	typeCounter      = "counter"
	typeCounted      = "counted"
	typeStats        = "stats"
	typeOnboarding   = "onboarding"
	typeFind         = "find"
	typeFindKey      = "findkey"
	// A patient's own referral waiting for its emailed confirmation (pkg/intake).
	typePendingIntake = "pendingintake"
	// Partner record and imports (issue 11).
	typeNPI         = "npi"
	typeImport      = "import"
	typeImportChunk = "importchunk"
)

// Practices, their staff and slugs.
func tenantPK(tid string) string     { return "T#" + tid }
func practiceSK() string             { return "PROFILE" }
func slugPK(slug string) string      { return "SLUG#" + slug }
func slugSK() string                 { return "SLUG" }
func userSK(emailKey string) string  { return "USER#" + emailKey }
func userPrefix() string             { return "USER#" }
func emailPK(emailKey string) string { return "EMAIL#" + emailKey }
func membershipSK(tid string) string { return "T#" + tid + "#STAFF" }
func onboardingSK() string           { return "ONBOARDING" }

// The staff queue's search index (find.go): a practice's search key, and its referrals under the
// keyed hashes of their search terms.
func findKeySK() string                  { return "FINDKEY" }
func findPK(tid, termHash string) string { return "T#" + tid + "#FIND#" + termHash }
func findSK(ulid string) string          { return ulid }

// A referrer's marker beside an address's staff memberships: one Query on the address finds every
// practice and role it can sign in to.
func referrerMembershipSK(tid string) string { return "T#" + tid + "#REFERRER" }

// Partners and their referrers.
func partnerSK(pid string) string        { return "PARTNER#" + pid }
func partnerPrefix() string              { return "PARTNER#" }
func referrerSK(emailKey string) string  { return "REFERRER#" + emailKey }
func referrerItemPrefix() string         { return "REFERRER#" }
func referralPK(tid, pid string) string  { return "T#" + tid + "#P#" + pid }
func referralSK(rid, ulid string) string { return "R#" + rid + "#" + ulid }
func referrerPrefix(rid string) string   { return "R#" + rid + "#" }
func referralPrefix() string             { return "R#" }

// The work queue (GSI1): a practice's referrals by status, then contact-by deadline.
func queuePK(tid string) string { return "T#" + tid + "#REF" }
func queueSK(status referral.Status, contactBy time.Time, ulid string) string {
	return statusPrefix(status) + queueDue(contactBy) + "#" + ulid
}
func statusPrefix(status referral.Status) string { return string(status) + "#" }

// statusEnd sorts after every queue key of status.
func statusEnd(status referral.Status) string { return statusPrefix(status) + "~" }

// dueBy is the upper bound of status's queue keys whose contact-by time has passed at now.
func dueBy(status referral.Status, now time.Time) string { return statusPrefix(status) + queueDue(now) }
func queueDue(t time.Time) string                        { return t.UTC().Format(time.RFC3339) }

// Sign-in: magic links, the newest batch of links per address and purpose, sessions, rate counters.
func linkPK(hash string) string             { return "LINK#" + hash }
func linkSK() string                        { return "LINK" }
func linkHeadPK(emailKey string) string     { return "LINKHEAD#" + emailKey }
func linkHeadSK(purpose string) string      { return purpose }
func sessionPK(tid, emailKey string) string { return "T#" + tid + "#U#" + emailKey }
func sessionSK(sid string) string           { return "SESSION#" + sid }
func sessionPrefix() string                 { return "SESSION#" }
func ratePK(scope, key string) string       { return "RL#" + scope + "#" + key }
func rateSK(windowStart time.Time) string   { return windowStart.Format(time.RFC3339) }

// QuotaKey joins the parts a quota counter is kept for (a tenant, an email key, a referrer id) into
// its key: RL#<scope>#<part>#<part>….
func QuotaKey(parts ...string) string { return strings.Join(parts, "#") }

// Patient status codes.
func codePK(hash string) string { return "CODE#" + hash }
func codeSK() string            { return "CODE" }

// Audit records, one partition per tenant and UTC day.
func auditPK(tid, day string) string         { return "T#" + tid + "#AUDIT#" + day }
func auditSK(at time.Time, id string) string { return at.UTC().Format(stamp) + "#" + id }
func dayOf(t time.Time) string               { return t.UTC().Format(time.DateOnly) }

// The outbox. Its sort key is the notification's key: one message of one referral version, or one
// referrer's digest of one day (exported: the notifier names the message it claims).
func outboxPK(tid string) string { return "T#" + tid + "#OUTBOX" }

// MessageKey is the outbox key of message kind about version v of the referral with ulid.
func MessageKey(ulid string, v int, kind string) string {
	return fmt.Sprintf("%s#v%03d#%s", ulid, v, kind)
}

// DigestKey is the outbox key of a referrer's digest of day.
func DigestKey(day, emailKey string) string { return "digest#" + day + "#" + emailKey }

// Stream records the notifier could not read.
func deadLetterPK() string                        { return "DEADLETTER" }
func deadLetterSK(at time.Time, id string) string { return at.UTC().Format(stamp) + "#" + id }

// Daily digests: one partition per UTC day, sorted by tenant and referrer so a referrer's changes
// are read together.
func digestPK(day string) string { return "DIGEST#" + day }
func digestSK(tid, emailKey, referralID string, version int) string {
	return tid + "#" + emailKey + "#" + referralID + "#v" + fmt.Sprintf("%03d", version)
}

// Metrics: facts by cohort day, the change feed by hour, buckets by granularity, the watermark.
func factPK(tid, day string) string   { return "T#" + tid + "#FACTS#" + day }
func factSK(referralID string) string { return referralID }
func changePK(at time.Time) string    { return "CHG#" + at.UTC().Format(hourLayout) }
func changeSK(at time.Time, tid, day, referralID string) string {
	return changeBound(at) + "#" + tid + "#" + day + "#" + referralID
}

// changeBound is where the change markers written at t begin in their hour's partition.
func changeBound(t time.Time) string          { return t.UTC().Format(stamp) }
func bucketPK(tid, granularity string) string { return "T#" + tid + "#M#" + granularity }
func bucketSK(period, group string) string    { return period + "#" + group }

// bucketRange bounds the buckets of every group with periods from..to (inclusive).
func bucketRange(from, to string) (lo, hi string) { return from + "#", to + "#~" }
func watermarkPK() string                         { return "ROLLUP" }
func watermarkSK() string                         { return "WATERMARK" }

// The rollup's precomputed answers, one partition per tenant: a standard window's answer, the
// sources' health (which carries the generation every answer must match), a partner's scorecard.
func viewPK(tid string) string                 { return "T#" + tid + "#VIEW" }
func answerSK(windowKey string) string         { return "ANSWER#" + windowKey }
func healthSK() string                         { return "HEALTH" }
func scorecardSK(pid, windowKey string) string { return "SCORECARD#" + pid + "#" + windowKey }

// Counters the stream consumer keeps: a tenant's work queue counts and, beside them, the referral
// versions already counted (the guard against redelivery); a referrer's own numbers sit in their
// partner's partition, beside the referrals they count.
func counterPK(tid string) string { return "T#" + tid + "#QUEUE" }
func counterSK() string           { return "COUNTS" }
func countedSK(ulid string, version int) string {
	return "V#" + ulid + "#v" + fmt.Sprintf("%03d", version)
}
func statsSK(referrerID string) string { return "STATS#" + referrerID }

// stamp is a fixed-width UTC time for sort keys: RFC 3339 with all nine fraction digits, so string
// order is time order (time.RFC3339Nano trims zeros and would not sort).
const stamp = "2006-01-02T15:04:05.000000000Z"

// hourLayout names an hour of the change feed.
const hourLayout = "2006-01-02T15"

// A patient's own referral (/r/{slug}) waiting for its emailed confirmation, in its practice's
// partition of pending intakes, under the SHA-256 of the link's token (the token is never stored).
func intakePK(tid string) string       { return "T#" + tid + "#INTAKE" }
func intakeSK(tokenHash string) string { return "PENDING#" + tokenHash }

// Outreach (pkg/outreach): a partner's touches, its referrals per day of a year, the marker that
// counted a referral there once, and its outreach numbers sit in the partner's item collection;
// the tenant's open follow-ups by due day and its touch log by day have a partition each; the
// practice's templates and automatic thank-you switches are one item of the tenant.
const (
	typeTouch            = "touch"
	typeTouchLog         = "touchlog"
	typeFollowUp         = "followup"
	typeDaily            = "daily"
	typeDailyMark        = "dailymark"
	typePartnerOutreach  = "outreach"
	typeOutreachSettings = "templates"
)

func touchSK(id string) string                   { return "TOUCH#" + id }
func touchPrefix() string                        { return "TOUCH#" }
func followUpPK(tid string) string               { return "T#" + tid + "#FOLLOWUP" }
func followUpSK(due, pid, touchID string) string { return due + "#" + pid + "#" + touchID }
func touchLogPK(tid string) string               { return "T#" + tid + "#TOUCHLOG" }
func touchLogSK(day, pid, touchID string) string { return day + "#" + pid + "#" + touchID }
func dailySK(year int) string                    { return "DAILY#" + fmt.Sprintf("%04d", year) }
func dailyMarkSK(ulid string) string             { return "DAILYREF#" + ulid }
func partnerOutreachSK() string                  { return "OUTREACH" }
func outreachSettingsSK() string                 { return "OUTREACH#TEMPLATES" }

// Partner records and imports (issue 11): a partner's NPI marker beside it (unique per practice);
// an import's job item beside the partners, and its chunks of rows in a partition of their own (the
// importer reads them from the stream).
func npiSK(npi string) string             { return "NPI#" + npi }
func importSK(id string) string           { return "IMPORT#" + id }
func importChunkPK(tid, id string) string { return "T#" + tid + "#IMPORT#" + id }
func importChunkSK(n int) string          { return fmt.Sprintf("CHUNK#%05d", n) }

// Merging partners (merge.go): the prefix of a partner's referrals-per-day items, which a merge adds
// to its target's.
func dailyPrefix() string { return "DAILY#" }
