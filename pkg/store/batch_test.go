package store

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// throttled is a table that never takes a batch: every item comes back unprocessed, the case
// DynamoDB Local cannot produce. It has no other call.
type throttled struct {
	DB
	calls atomic.Int32
}

func (f *throttled) BatchWriteItem(_ context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	f.calls.Add(1)
	return &dynamodb.BatchWriteItemOutput{UnprocessedItems: in.RequestItems}, nil
}

func puts(n int) []types.WriteRequest {
	reqs := make([]types.WriteRequest, n)
	for i := range reqs {
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: key("PK", "SK")}}
	}
	return reqs
}

// TestBackoffEndsWithTheContext: the batch writer's backoff (about 5 s in all before it gives up)
// ends as soon as its context does, and says why.
func TestBackoffEndsWithTheContext(t *testing.T) {
	t.Parallel()
	t.Run("cancelled mid-backoff", func(t *testing.T) {
		t.Parallel()
		db := &throttled{}
		s := New(db, "t")
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(30*time.Millisecond, cancel)
		start := time.Now()
		err := s.batchWrite(ctx, puts(30))
		if took := time.Since(start); took > time.Second {
			t.Errorf("batchWrite returned %v after its context was cancelled at 30ms", took)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if n := db.calls.Load(); n < 1 || n > 4 {
			t.Errorf("%d BatchWriteItem calls in 30ms of backoff", n)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		s := New(&throttled{}, "t")
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.batchWrite(ctx, puts(1))
		if took := time.Since(start); took > time.Second {
			t.Errorf("batchWrite returned %v after a 50ms deadline", took)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("sleep", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		if err := sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Errorf("sleep on a cancelled context: %v", err)
		}
		if took := time.Since(start); took > 100*time.Millisecond {
			t.Errorf("sleep on a cancelled context took %v", took)
		}
		if err := sleep(context.Background(), time.Millisecond); err != nil {
			t.Errorf("sleep: %v", err)
		}
	})
}
