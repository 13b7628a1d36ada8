package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/referral"
)

// Reads of "this partner's referrals" after merges (merge.go): a partner's referrals are those of
// its own partition and of the partitions of the partners merged into it; a referrer's are those
// under their partner and under their former partners. Each partition is read in its own key
// order (descending) and the pages are merged in that order, so a page of n reads at most n items
// of each partition (at most partner.MaxMerged + 1 of them). The cursor of such a list holds the
// last key each partition gave, in the order of the partitions and without the list's key prefix
// ("m~" + base64url JSON; "." is the seal's separator), not one last evaluated key.

// mergedCursorPrefix marks a cursor over several partitions.
const mergedCursorPrefix = "m~"

// cursorDone marks a partition read to its end in a merged cursor.
const cursorDone = "~"

// ReferralsOfPartners lists the referrals of partner pids[0] and the partners merged into it
// (pids[1:]), limit at a time, in key order descending (by referrer, newest first).
func (s *Store) ReferralsOfPartners(ctx context.Context, tid string, pids []string, limit int, cursor string) (Page, error) {
	if len(pids) == 1 && !strings.HasPrefix(cursor, mergedCursorPrefix) {
		return s.ReferralsOfPartner(ctx, tid, pids[0], limit, cursor)
	}
	return s.mergedPage(ctx, tid, pids, referralPrefix(), "", limit, cursor)
}

// ReferralsOfReferrer lists a referrer's referrals under their partner pids[0] and their former
// partners (pids[1:]), newest first, of one status or all.
func (s *Store) ReferralsOfReferrer(ctx context.Context, tid string, pids []string, rid string, status referral.Status, limit int, cursor string) (Page, error) {
	if len(pids) == 1 && !strings.HasPrefix(cursor, mergedCursorPrefix) {
		return s.ReferralsByReferrer(ctx, tid, pids[0], rid, status, limit, cursor)
	}
	return s.mergedPage(ctx, tid, pids, referrerPrefix(rid), status, limit, cursor)
}

func (s *Store) mergedPage(ctx context.Context, tid string, pids []string, prefix string, status referral.Status, limit int, cursor string) (Page, error) {
	pos := map[string]string{}
	if cursor != "" {
		var list []string
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(cursor, mergedCursorPrefix))
		if err != nil || !strings.HasPrefix(cursor, mergedCursorPrefix) || json.Unmarshal(b, &list) != nil || len(list) != len(pids) {
			return Page{}, ErrBadCursor
		}
		for i, at := range list {
			switch at {
			case "", cursorDone:
				pos[pids[i]] = at
			default:
				pos[pids[i]] = prefix + at
			}
		}
	}
	type hit struct {
		pid, sk string
		item    map[string]types.AttributeValue
	}
	var hits []hit
	more := map[string]bool{} // partitions read before their end
	fetched := map[string]int{}
	for _, pid := range pids {
		if pos[pid] == cursorDone {
			continue
		}
		pk := referralPK(tid, pid)
		in := &dynamodb.QueryInput{TableName: &s.Table,
			KeyConditionExpression:    cond("PK = :pk AND begins_with(SK, :p)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":p": str(prefix)},
			ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(int32(limit))}
		if status != "" {
			in.FilterExpression = cond("#st = :st")
			in.ExpressionAttributeNames = map[string]string{"#st": "status"}
			in.ExpressionAttributeValues[":st"] = str(string(status))
		}
		if sk := pos[pid]; sk != "" {
			in.ExclusiveStartKey = key(pk, sk)
		}
		for reads := 0; ; reads++ {
			out, err := s.DB.Query(ctx, in)
			if err != nil {
				return Page{}, fmt.Errorf("list referrals: %w", err)
			}
			for _, item := range out.Items {
				hits = append(hits, hit{pid, getS(item, attrSK), item})
				fetched[pid]++
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			if fetched[pid] >= limit || reads+1 >= maxPageReads {
				more[pid] = true
				if fetched[pid] == 0 { // a filter matched nothing so far: go on from where it stopped
					pos[pid] = getS(out.LastEvaluatedKey, attrSK)
				}
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return strings.Compare(b.sk, a.sk) })
	var page Page
	given := map[string]int{}
	for _, h := range hits[:min(limit, len(hits))] {
		r, err := DecodeReferral(h.item)
		if err != nil {
			return Page{}, err
		}
		page.Items = append(page.Items, r)
		pos[h.pid] = h.sk
		given[h.pid]++
	}
	next := false
	for _, pid := range pids {
		if pos[pid] == cursorDone {
			continue
		}
		if more[pid] || given[pid] < fetched[pid] {
			next = true // read again from the last key given from it
			continue
		}
		pos[pid] = cursorDone
	}
	if next {
		list := make([]string, len(pids))
		for i, pid := range pids {
			list[i] = strings.TrimPrefix(pos[pid], prefix)
		}
		b, _ := json.Marshal(list)
		page.NextCursor = mergedCursorPrefix + base64.RawURLEncoding.EncodeToString(b)
	}
	return page, nil
}

// PartitionsOf lists the partitions of a partner's referrals: its own, then those merged into it.
func PartitionsOf(p partner.Partner) []string {
	return append([]string{p.ID}, p.MergedFrom...)
}
