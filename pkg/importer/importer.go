// Package importer applies CSV imports (issue 11): the network function plans an import and writes
// its rows as chunk items; the table's stream brings each chunk's INSERT here (template.yaml's
// ImporterFunction filters on the chunk item's type), and each is applied and counted once
// (store.ApplyChunk). A 10,000-row file is 100 chunks, each well within a Lambda's time.
package importer

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/pkg/history"
	"github.com/referloop/referloop/pkg/notifier"
	"github.com/referloop/referloop/pkg/store"
)

// ChunkType is the stream filter's type: the importer reads only chunk items.
const ChunkType = "importchunk"

// Importer is the stream consumer that applies import chunks.
type Importer struct {
	Store *store.Store
	Log   *slog.Logger
}

// Handle applies each new chunk of the batch; records of other items are skipped (the local stack
// feeds every record; in AWS the event source's filter passes chunks only). A chunk that fails is
// reported so Lambda retries from it; applying is idempotent.
func (im *Importer) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		if rec.EventName != "INSERT" {
			continue
		}
		t, ok := rec.Change.NewImage["type"]
		if !ok || t.DataType() != events.DataTypeString || t.String() != ChunkType {
			continue
		}
		item, err := notifier.Item(rec.Change.NewImage)
		if err == nil && store.ChunkKind(item) == history.Kind {
			var c store.HistoryChunk
			if c, err = store.DecodeHistoryChunk(item); err == nil {
				err = store.ApplyHistoryChunk(ctx, im.Store, c)
			}
		} else if err == nil {
			var c store.Chunk
			if c, err = store.DecodeChunk(item); err == nil {
				err = im.Store.ApplyChunk(ctx, c)
			}
		}
		if err != nil {
			im.log().Warn("import chunk failed; will be retried", "event", rec.EventID, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			// Later records of the batch wait for this one: Lambda retries from the first failure.
			break
		}
	}
	return resp, nil
}

func (im *Importer) log() *slog.Logger {
	if im.Log != nil {
		return im.Log
	}
	return slog.Default()
}
