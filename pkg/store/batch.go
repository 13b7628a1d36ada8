package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// batchWrite puts reqs 25 to a batch, retrying what DynamoDB leaves unprocessed with exponential
// backoff (10 ms, 20 ms, … up to nine retries). It stops as soon as ctx ends, also mid-backoff.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) error {
	for len(reqs) > 0 {
		n := min(25, len(reqs))
		batch := map[string][]types.WriteRequest{s.Table: reqs[:n]}
		reqs = reqs[n:]
		for tries := 0; len(batch[s.Table]) > 0; tries++ {
			out, err := s.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: batch})
			if err != nil {
				return fmt.Errorf("batch write: %w", err)
			}
			batch = out.UnprocessedItems
			if len(batch[s.Table]) > 0 {
				if tries > 8 {
					return fmt.Errorf("batch write: %d items left unprocessed", len(batch[s.Table]))
				}
				if err := sleep(ctx, time.Duration(10<<tries)*time.Millisecond); err != nil {
					return fmt.Errorf("batch write: %d items left unprocessed: %w", len(batch[s.Table]), err)
				}
			}
		}
	}
	return nil
}

// sleep waits d, or less when ctx ends first (then it returns ctx's error). Every wait in the store
// goes through it.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
