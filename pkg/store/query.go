package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"iter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Reading lists. A read that wants everything (or the first limit items) of a key condition uses
// queryAll, which follows LastEvaluatedKey with the SDK's paginator; a list the API pages through
// reads one page and hands its LastEvaluatedKey to the client as an opaque cursor (page, AuditDay).

// queryPages yields the pages of a Query in order, read with the SDK's paginator; the loop over it
// may stop early. An error ends the sequence.
func queryPages(ctx context.Context, db dynamodb.QueryAPIClient, in *dynamodb.QueryInput) iter.Seq2[*dynamodb.QueryOutput, error] {
	return func(yield func(*dynamodb.QueryOutput, error) bool) {
		p := dynamodb.NewQueryPaginator(db, in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(out, nil) {
				return
			}
		}
	}
}

// queryAll reads a Query to its end, or until it has limit items when limit > 0, and decodes each
// item. in.Limit, if set, is the page size, not the total.
func queryAll[T any](ctx context.Context, db dynamodb.QueryAPIClient, in *dynamodb.QueryInput,
	decode func(map[string]types.AttributeValue) (T, error), limit int) ([]T, error) {
	var list []T
	for out, err := range queryPages(ctx, db, in) {
		if err != nil {
			return nil, err
		}
		for _, item := range out.Items {
			v, err := decode(item)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
			if limit > 0 && len(list) >= limit {
				return list, nil
			}
		}
	}
	return list, nil
}

// page reads one page of referrals from the cursor on, and the cursor of the next. With a filter a
// page can come back short; it keeps reading until the page is full or the list ends, asking each
// time for only as many items as the page still lacks, so the cursor is the key of the last item
// evaluated for this page. (The SDK's paginator fixes its Limit when it is made, so it cannot.) It
// stops after maxPageReads queries, so a page never evaluates more than maxPageReads × limit
// items, whatever the partition holds: a sparse filter answers a short page and its cursor.
func (s *Store) page(ctx context.Context, in *dynamodb.QueryInput, partAttr, part, cursor string) (Page, error) {
	if cursor != "" {
		start, err := decodeCursor(cursor)
		if err != nil || getS(start, partAttr) != part {
			return Page{}, ErrBadCursor
		}
		in.ExclusiveStartKey = start
	}
	limit := int(aws.ToInt32(in.Limit))
	var p Page
	for reads := 1; ; reads++ {
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return Page{}, fmt.Errorf("list referrals: %w", err)
		}
		for _, item := range out.Items {
			r, err := DecodeReferral(item)
			if err != nil {
				return Page{}, err
			}
			p.Items = append(p.Items, r)
		}
		if len(out.LastEvaluatedKey) == 0 {
			p.NextCursor = ""
			return p, nil
		}
		p.NextCursor = encodeCursor(out.LastEvaluatedKey)
		if in.FilterExpression == nil || len(p.Items) >= limit || reads >= maxPageReads {
			return p, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
		in.Limit = aws.Int32(int32(limit - len(p.Items)))
	}
}

// maxPageReads bounds the queries one filtered page makes.
const maxPageReads = 4

// A cursor is the last evaluated key, base64url JSON of its string attributes. The API hands it to
// clients signed for the tenant and the list (auth.SealCursor) and opens it before it gets here, so
// only a position this list gave out reaches DynamoDB; one that does not belong to the query's own
// partition is refused all the same (ErrBadCursor).
func encodeCursor(k map[string]types.AttributeValue) string {
	m := map[string]string{}
	for name, v := range k {
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			m[name] = s.Value
		}
	}
	b, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) > 1024 {
		return nil, ErrBadCursor
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || len(m) == 0 || len(m) > 4 {
		return nil, ErrBadCursor
	}
	for _, name := range []string{attrPK, attrSK} {
		if m[name] == "" {
			return nil, ErrBadCursor
		}
	}
	k := map[string]types.AttributeValue{}
	for name, v := range m {
		switch name {
		case attrPK, attrSK, attrGSI1PK, attrGSI1SK:
			k[name] = str(v)
		default:
			return nil, ErrBadCursor
		}
	}
	return k, nil
}
