package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/metrics"
)

// The rollup's views: answers it computed from the buckets, so that the dashboard's standard
// windows read one small item whatever the tenant's volume, instead of every bucket of the window.
// Each view holds the tenant's view generation it was computed at; the health item holds the
// current one and is written last, so a reader uses a view only when the two generations agree
// (else it computes the answer from the buckets, as before). A view is gzipped JSON (an answer as
// columns: answers.go): its size follows the number of rows (sources, periods), and only the
// digits of its counts grow with the number of referrals.

// ViewTTL is how long a view is kept after it was last written (a window nobody recomputes is dead).
const ViewTTL = 40 * 24 * time.Hour

// Health is the sources' rhythms over the 12 months to a month (metrics.HealthWindow), and the
// generation of the tenant's views.
type Health struct {
	Gen     int64                     `json:"-"`
	Window  metrics.Window            `json:"window"`
	Sources map[string]metrics.Rhythm `json:"sources"`
}

func packJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	z, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err := json.NewEncoder(z).Encode(v); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func unpackJSON(b []byte, v any) error {
	z, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(z, 4<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

func viewItem(tid, sk string, gen int64, v any, expires time.Time) (map[string]types.AttributeValue, error) {
	data, err := packJSON(v)
	if err != nil {
		return nil, err
	}
	item := key(viewPK(tid), sk)
	item[attrType] = str(typeView)
	item["gen"] = num(gen)
	item["data"] = &types.AttributeValueMemberB{Value: data}
	item[attrTTL] = ttl(expires)
	return item, nil
}

// Views are the answers and scorecards of one rollup run for a tenant, at generation Gen.
type Views struct {
	Gen int64
	// Answers by window key (metrics.Window.Key).
	Answers map[string]metrics.Answer
	// Scorecards: each partner's months of the health window.
	Scorecards map[string]metrics.Answer
	Health     Health
}

// PutViews writes a tenant's views (in batches), then its health item with the new generation, so a
// reader never pairs the new generation with an answer of the old one.
func (s *Store) PutViews(ctx context.Context, tid string, v Views) error {
	expires := s.now().Add(ViewTTL)
	var reqs []types.WriteRequest
	for k, a := range v.Answers {
		item, err := viewItem(tid, answerSK(k), v.Gen, packAnswer(a), expires)
		if err != nil {
			return err
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	for pid, a := range v.Scorecards {
		item, err := viewItem(tid, scorecardSK(pid, v.Health.Window.Key("")), v.Gen, packAnswer(a), expires)
		if err != nil {
			return err
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	if err := s.batchWrite(ctx, reqs); err != nil {
		return fmt.Errorf("views: %w", err)
	}
	item, err := viewItem(tid, healthSK(), v.Gen, v.Health, expires)
	if err != nil {
		return err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
		return fmt.Errorf("health: %w", err)
	}
	return nil
}

func (s *Store) view(ctx context.Context, tid, sk string, consistent bool, v any) (int64, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(viewPK(tid), sk), ConsistentRead: aws.Bool(consistent)})
	if err != nil {
		return 0, fmt.Errorf("view: %w", err)
	}
	if len(out.Item) == 0 {
		return 0, ErrNotFound
	}
	b, _ := out.Item["data"].(*types.AttributeValueMemberB)
	if b == nil {
		return 0, fmt.Errorf("view: no data")
	}
	if err := unpackJSON(b.Value, v); err != nil {
		return 0, fmt.Errorf("view: %w", err)
	}
	return getN(out.Item, "gen"), nil
}

// HealthOf reads a tenant's health item: ErrNotFound before the rollup's first views of it.
func (s *Store) HealthOf(ctx context.Context, tid string, consistent bool) (Health, error) {
	var h Health
	gen, err := s.view(ctx, tid, healthSK(), consistent, &h)
	h.Gen = gen
	return h, err
}

// StoredAnswer reads a window's answer and the generation it was computed at (ErrNotFound: none).
func (s *Store) StoredAnswer(ctx context.Context, tid, windowKey string) (metrics.Answer, int64, error) {
	var c answerColumns
	gen, err := s.view(ctx, tid, answerSK(windowKey), false, &c)
	return c.answer(), gen, err
}

// StoredScorecard reads a partner's months of window w and the generation they were computed at.
func (s *Store) StoredScorecard(ctx context.Context, tid, pid string, w metrics.Window) (metrics.Answer, int64, error) {
	var c answerColumns
	gen, err := s.view(ctx, tid, scorecardSK(pid, w.Key("")), false, &c)
	return c.answer(), gen, err
}
