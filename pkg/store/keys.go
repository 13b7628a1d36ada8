package store

import "time"

// Every key of the single table is built here. Keys that hold a tenant's data begin with "T#<tenant>",
// so no handler can name another tenant's item: the tenant always comes from the verified session.
// The few global items (slug and email markers, link tokens, rate counters) hold ids and hashes only.
// docs/data-model.md lists the access patterns and the key conditions that serve them.

const (
	attrPK     = "PK"
	attrSK     = "SK"
	attrGSI1PK = "GSI1PK"
	attrGSI1SK = "GSI1SK"
	attrTTL    = "expiresAt"
	gsi1       = "GSI1"
)

func tenantPK(tid string) string              { return "T#" + tid }
func practiceSK() string                      { return "PROFILE" }
func slugPK(slug string) string               { return "SLUG#" + slug }
func userSK(emailKey string) string           { return "USER#" + emailKey }
func emailPK(emailKey string) string          { return "EMAIL#" + emailKey }
func membershipSK(tid, kind string) string    { return "T#" + tid + "#" + kind }
func partnerSK(pid string) string             { return "PARTNER#" + pid }
func referrerSK(emailKey string) string       { return "REFERRER#" + emailKey }
func linkPK(hash string) string               { return "LINK#" + hash }
func sessionPK(tid, emailKey string) string   { return "T#" + tid + "#U#" + emailKey }
func sessionSK(sid string) string             { return "SESSION#" + sid }
func ratePK(scope, key string) string         { return "RL#" + scope + "#" + key }
func referralPK(tid, pid string) string       { return "T#" + tid + "#P#" + pid }
func referralSK(rid, ulid string) string      { return "R#" + rid + "#" + ulid }
func referrerPrefix(rid string) string        { return "R#" + rid + "#" }
func queuePK(tid string) string               { return "T#" + tid + "#REF" }
func queueSK(status, due, ulid string) string { return status + "#" + due + "#" + ulid }
func statusPrefix(status string) string       { return status + "#" }

func codePK(hash string) string      { return "CODE#" + hash }
func auditPK(tid, day string) string { return "T#" + tid + "#AUDIT#" + day }
func outboxPK(tid string) string     { return "T#" + tid + "#OUTBOX" }

func digestPK(day string) string              { return "DIGEST#" + day }
func factPK(tid, day string) string           { return "T#" + tid + "#FACTS#" + day }
func changePK(hour string) string             { return "CHG#" + hour }
func bucketPK(tid, granularity string) string { return "T#" + tid + "#M#" + granularity }
func bucketSK(period, group string) string    { return period + "#" + group }
func hourOf(t time.Time) string               { return t.UTC().Format("2006-01-02T15") }

// stamp is a fixed-width UTC time for sort keys: RFC 3339 with all nine fraction digits, so string
// order is time order (time.RFC3339Nano trims zeros and would not sort).
const stamp = "2006-01-02T15:04:05.000000000Z"
