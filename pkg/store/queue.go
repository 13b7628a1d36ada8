package store

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/referral"
)

// Overdue lists the referrals nobody has reached yet whose contact-by time has passed, most
// overdue first: one Query per waiting status on the queue index, each bounded by now.
func (s *Store) Overdue(ctx context.Context, tid string, now time.Time, limit int) ([]referral.Referral, error) {
	var all []referral.Referral
	for _, st := range referral.AwaitingContact() {
		in := &dynamodb.QueryInput{TableName: &s.Table, IndexName: aws.String(gsi1),
			KeyConditionExpression: cond("GSI1PK = :pk AND GSI1SK BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(queuePK(tid)),
				":lo": str(statusPrefix(st)), ":hi": str(dueBy(st, now))},
			Limit: aws.Int32(int32(limit))}
		list, err := queryAll(ctx, s.DB, in, DecodeReferral, limit)
		if err != nil {
			return nil, fmt.Errorf("overdue: %w", err)
		}
		all = append(all, list...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ContactBy.Before(all[j].ContactBy) })
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

// countQueue counts a practice's referrals per work queue status and how many are overdue with
// COUNT queries, in parallel: what QueueCounts answers until the tenant's counters have been
// repaired once (they start from zero when deployed over existing referrals). A COUNT query reads
// every index entry it counts, so its cost follows the open work.
func (s *Store) countQueue(ctx context.Context, tid string, now time.Time) (map[referral.Status]int, int, error) {
	type job struct {
		status  referral.Status
		overdue bool
	}
	var jobs []job
	for _, st := range referral.QueueStatuses() {
		jobs = append(jobs, job{st, false})
		if st.AwaitingContact() {
			jobs = append(jobs, job{st, true})
		}
	}
	results := make([]int, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func(i int, j job) {
			defer wg.Done()
			hi := statusEnd(j.status)
			if j.overdue {
				hi = dueBy(j.status, now)
			}
			results[i], errs[i] = s.count(ctx, tid, statusPrefix(j.status), hi)
		}(i, j)
	}
	wg.Wait()
	counts := map[referral.Status]int{}
	overdue := 0
	for i, j := range jobs {
		if errs[i] != nil {
			return nil, 0, errs[i]
		}
		if j.overdue {
			overdue += results[i]
		} else {
			counts[j.status] = results[i]
		}
	}
	return counts, overdue, nil
}

// count counts the queue keys of a tenant between lo and hi (a COUNT query: every page's Count).
func (s *Store) count(ctx context.Context, tid, lo, hi string) (int, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table, IndexName: aws.String(gsi1), Select: types.SelectCount,
		KeyConditionExpression:    cond("GSI1PK = :pk AND GSI1SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(queuePK(tid)), ":lo": str(lo), ":hi": str(hi)}}
	n := 0
	for out, err := range queryPages(ctx, s.DB, in) {
		if err != nil {
			return 0, fmt.Errorf("count: %w", err)
		}
		n += int(out.Count)
	}
	return n, nil
}
