package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func (s *Store) page(ctx context.Context, in *dynamodb.QueryInput, partAttr, part, cursor string) (Page, error) {
	if cursor != "" {
		start, err := decodeCursor(cursor)
		if err != nil || getS(start, partAttr) != part {
			return Page{}, ErrBadCursor
		}
		in.ExclusiveStartKey = start
	}
	// With a filter a page can come back short; keep reading until it is full or the list ends.
	limit := int(aws.ToInt32(in.Limit))
	var p Page
	for {
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
		if in.FilterExpression == nil || len(p.Items) >= limit {
			return p, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
		in.Limit = aws.Int32(int32(limit - len(p.Items)))
	}
}

// A cursor is the last evaluated key, base64url JSON of its string attributes. It is opaque to
// clients; one that does not belong to the query's own partition is refused (ErrBadCursor).
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
