package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

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
				time.Sleep(time.Duration(10<<tries) * time.Millisecond)
			}
		}
	}
	return nil
}
