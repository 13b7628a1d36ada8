package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/partner"
)

// Past referrals (issue 11, item 5), as package functions rather than methods: the AWS SDK's
// reflection keeps every exported method of Store in every bootstrap, a function only where it is
// called (the 10 MiB budget). Past referrals (issue 11, item 5): an import of a practice's history writes metric facts with no
// referral behind them (`T#<t>#FACTS#<day>`/`h_<hash>`, with importId), a change marker per day for
// the rollup, and the partner's history numbers: the referrals per day (`DAILY#<yyyy>`), the total
// (`OUTREACH`), and on the partner item its count and first and last referral dates. A fact and
// the numbers it adds are written in one transaction that puts the fact only if absent, so a
// redelivered chunk, or the same rows imported again, never count twice.

// HistoryRow is one planned fact of a past-referrals chunk.
type HistoryRow struct {
	Line int          `json:"line"`
	Name string       `json:"name,omitempty"` // the source's name, for a reject
	Fact metrics.Fact `json:"fact"`
}

// HistoryChunk is a past-referrals chunk item as the importer reads it.
type HistoryChunk struct {
	Tenant, Import string
	N              int
	Rows           []HistoryRow
}

// ChunkKind is the kind of import a chunk item belongs to ("" for chunks written before kinds:
// partners).
func ChunkKind(item map[string]types.AttributeValue) string { return getS(item, "kind") }

// StartHistoryImport stores a past-referrals import's job and chunks (as StartImport).
func StartHistoryImport(ctx context.Context, s *Store, tid string, job Import, rows []HistoryRow) (Import, bool, error) {
	if job.Rejects == nil {
		job.Rejects = []partner.RowPlan{} // a list, for the chunks' list_append
	}
	return startImport(ctx, s, tid, job, rows)
}

// DecodeHistoryChunk reads a past-referrals chunk item.
func DecodeHistoryChunk(item map[string]types.AttributeValue) (HistoryChunk, error) {
	c := HistoryChunk{Tenant: getS(item, "tid"), Import: getS(item, "import"), N: int(getN(item, "n"))}
	if c.Tenant == "" || c.Import == "" {
		return c, fmt.Errorf("not an import chunk")
	}
	if err := json.Unmarshal([]byte(getS(item, "rows")), &c.Rows); err != nil {
		return c, fmt.Errorf("import chunk rows: %w", err)
	}
	for _, r := range c.Rows {
		if r.Fact.Tenant != c.Tenant {
			return c, fmt.Errorf("import chunk row of another tenant")
		}
	}
	return c, nil
}

// StoredFacts says which of the given facts (ids by cohort day) are stored: one Query of keys per
// day (a day's facts are a bounded partition), 16 days at a time.
func StoredFacts(ctx context.Context, s *Store, tid string, byDay map[string][]string) (map[string]bool, error) {
	out := map[string]bool{}
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for day := range byDay {
		wg.Add(1)
		sem <- struct{}{}
		go func(day string) {
			defer func() { <-sem; wg.Done() }()
			in := &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk AND begins_with(SK, :h)"),
				ProjectionExpression:      aws.String("SK"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(factPK(tid, day)), ":h": str("h_")}}
			keys, err := queryAll(ctx, s.DB, in, func(item map[string]types.AttributeValue) (string, error) { return getS(item, attrSK), nil }, 0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = fmt.Errorf("stored facts: %w", err)
			}
			for _, k := range keys {
				out[k] = true
			}
		}(day)
	}
	wg.Wait()
	return out, first
}

// historyGroup is how many rows one transaction writes: a fact each, and per partner its day
// counts, its total and its count (at most 25 + 3×25 = 100 items, the transaction limit).
const historyGroup = 25

// ApplyHistoryChunk writes a chunk's facts with their numbers and counts the chunk on the job,
// once. Facts go 25 to a transaction; when one fails (a fact stored already, a partner deleted
// since the plan) its group is retried row by row: a fact stored by this same import (a
// redelivery after a crash) counts as created, one stored by another import as unchanged, a row
// whose partner is gone is rejected. The partner's first and last referral dates are then moved
// (only ever earlier and later: idempotent), and each day the chunk touched is marked changed, so
// the rollup recounts it.
func ApplyHistoryChunk(ctx context.Context, s *Store, c HistoryChunk) error {
	var counts chunkCounts
	var rejects []partner.RowPlan
	var stored []HistoryRow
	rows := c.Rows
	for len(rows) > 0 {
		group := rows[:min(historyGroup, len(rows))]
		rows = rows[len(group):]
		w, err := historyWrites(c.Tenant, c.Import, group)
		if err != nil {
			return err
		}
		if _, err := s.transact(ctx, w); err == nil {
			counts.created += len(group)
			stored = append(stored, group...)
			continue
		} else if cancelled(err) == nil {
			return fmt.Errorf("import history: %w", err)
		}
		for _, r := range group {
			w, err := historyWrites(c.Tenant, c.Import, []HistoryRow{r})
			if err != nil {
				return err
			}
			reasons, err := s.transact(ctx, w)
			switch {
			case err == nil:
				counts.created++
				stored = append(stored, r)
			case len(reasons) == len(w) && reasonFailed(reasons[0]):
				item, gerr := s.getConsistent(ctx, factPK(c.Tenant, r.Fact.Day()), factSK(r.Fact.Referral))
				if gerr != nil {
					return gerr
				}
				if getS(item, "importId") == c.Import {
					counts.created++
				} else {
					counts.unchanged++
				}
				stored = append(stored, r)
			case len(reasons) == len(w) && reasonFailed(reasons[len(w)-1]):
				counts.rejected++
				rejects = append(rejects, partner.RowPlan{Line: r.Line, Action: partner.ActionReject, Name: r.Name,
					Reasons: []string{"source: the partner was deleted since the file was checked"}})
			default:
				return fmt.Errorf("import history row: %w", err)
			}
		}
	}
	if err := s.noteHistoryDates(ctx, c.Tenant, stored); err != nil {
		return err
	}
	days := map[string]bool{}
	for _, r := range stored {
		days[r.Fact.Day()] = true
	}
	at := s.now()
	for day := range days {
		mark := metrics.Fact{Tenant: c.Tenant, LocalDay: day, Referral: fmt.Sprintf("%s.%d", c.Import, c.N)}
		if err := s.putChange(ctx, mark, at); err != nil {
			return err
		}
	}
	return s.countChunk(ctx, c.Tenant, c.Import, c.N, counts, rejects)
}

// historyWrites are a group's writes: each fact put only if absent, then per partner its day
// counts (one update per year), its total and its count, the partner item last (it must exist).
func historyWrites(tid, imp string, group []HistoryRow) ([]types.TransactWriteItem, error) {
	var w, partners []types.TransactWriteItem
	type py struct {
		pid  string
		year int
	}
	perPartner := map[string]int{}
	perDay := map[py]map[string]int{}
	var order []string
	for _, r := range group {
		f := r.Fact
		if f.Tenant != tid || !strings.HasPrefix(f.Referral, "h_") || f.Source == "" {
			return nil, fmt.Errorf("import history: a row that is not this tenant's imported fact")
		}
		item, err := factItem(f)
		if err != nil {
			return nil, err
		}
		item["importId"] = str(imp)
		w = append(w, types.TransactWriteItem{Put: &types.Put{Item: item, ConditionExpression: cond("attribute_not_exists(PK)")}})
		if perPartner[f.Source] == 0 {
			order = append(order, f.Source)
		}
		perPartner[f.Source]++
		at := f.Received.UTC()
		k := py{f.Source, at.Year()}
		if perDay[k] == nil {
			perDay[k] = map[string]int{}
		}
		perDay[k]["d"+at.Format("0102")]++
	}
	for _, pid := range order {
		var years []int
		for k := range perDay {
			if k.pid == pid {
				years = append(years, k.year)
			}
		}
		sort.Ints(years)
		for _, y := range years {
			d := perDay[py{pid, y}]
			names, vals := map[string]string{"#t": attrType}, map[string]types.AttributeValue{":t": str(typeDaily)}
			var adds []string
			i := 0
			for day, n := range d {
				names[fmt.Sprintf("#d%d", i)], vals[fmt.Sprintf(":n%d", i)] = day, num(int64(n))
				adds = append(adds, fmt.Sprintf("#d%d :n%d", i, i))
				i++
			}
			sort.Strings(adds)
			w = append(w, types.TransactWriteItem{Update: &types.Update{Key: key(referralPK(tid, pid), dailySK(y)),
				UpdateExpression: cond("ADD " + strings.Join(adds, ", ") + " SET #t = :t"), ExpressionAttributeNames: names,
				ExpressionAttributeValues: vals}})
		}
		n := num(int64(perPartner[pid]))
		w = append(w, types.TransactWriteItem{Update: &types.Update{Key: key(referralPK(tid, pid), partnerOutreachSK()),
			UpdateExpression:          cond("ADD #n :n SET #t = :t"),
			ExpressionAttributeNames:  map[string]string{"#n": "total", "#t": attrType},
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": n, ":t": str(typePartnerOutreach)}}})
		partners = append(partners, types.TransactWriteItem{Update: &types.Update{Key: key(tenantPK(tid), partnerSK(pid)),
			ConditionExpression:       cond("attribute_exists(PK)"),
			UpdateExpression:          cond("ADD referralCount :n"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": n}}})
	}
	return append(w, partners...), nil
}

// noteHistoryDates moves each partner's first referral date earlier and its last later to cover
// the stored rows (conditional, so repeating it changes nothing; a deleted partner is skipped).
func (s *Store) noteHistoryDates(ctx context.Context, tid string, rows []HistoryRow) error {
	type span struct{ first, last string }
	spans := map[string]*span{}
	for _, r := range rows {
		t := r.Fact.Received.UTC().Format(stamp)
		sp := spans[r.Fact.Source]
		if sp == nil {
			spans[r.Fact.Source] = &span{t, t}
			continue
		}
		sp.first, sp.last = min(sp.first, t), max(sp.last, t)
	}
	for pid, sp := range spans {
		for _, u := range []struct{ attr, cmp, at string }{{"firstReferralAt", ">", sp.first}, {"lastReferralAt", "<", sp.last}} {
			_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(tenantPK(tid), partnerSK(pid)),
				ConditionExpression:       cond("attribute_exists(PK) AND (attribute_not_exists(#a) OR #a " + u.cmp + " :t)"),
				UpdateExpression:          cond("SET #a = :t"),
				ExpressionAttributeNames:  map[string]string{"#a": u.attr},
				ExpressionAttributeValues: map[string]types.AttributeValue{":t": str(u.at)}})
			if err != nil && !isConditionFailed(err) {
				return fmt.Errorf("note history dates: %w", err)
			}
		}
	}
	return nil
}

// ScanImportedFacts reads the facts imported from practices' history (one segment of a parallel
// scan): the metrics rebuild only, never a request path.
func ScanImportedFacts(ctx context.Context, s *Store, segment, total int, each func(metrics.Fact) error) error {
	in := &dynamodb.ScanInput{TableName: &s.Table, Segment: aws.Int32(int32(segment)), TotalSegments: aws.Int32(int32(total)),
		FilterExpression: cond("#t = :f AND attribute_exists(importId)"), ExpressionAttributeNames: map[string]string{"#t": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":f": str(typeFact)}}
	p := dynamodb.NewScanPaginator(s.Scanner, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		for _, item := range out.Items {
			var f metrics.Fact
			if err := unmarshal(item, &f); err != nil {
				return err
			}
			if err := each(f); err != nil {
				return err
			}
		}
	}
	return nil
}
