// Package streamfeed reads DynamoDB Local's own stream of the table and hands its records, as the
// Lambda DynamoDB event the notifier receives in AWS, to a handler: the same code path runs locally.
// Records the handler reports as failed are retried, as Lambda would, and kept after the last try.
package streamfeed

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	st "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Handler is the notifier's Lambda handler shape.
type Handler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Reader reads a table's stream from where it was opened.
type Reader struct {
	streams   *dynamodbstreams.Client
	streamArn string
	iters     map[string]*string // shard → iterator
	last      map[string]string  // shard → last sequence number read
	mu        sync.Mutex
}

// Open starts reading the table's stream from now on (LATEST).
func Open(ctx context.Context, endpoint, table string) (*Reader, error) {
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return nil, err
	}
	if out.Table.LatestStreamArn == nil {
		return nil, errors.New("the table has no stream (template.yaml's StreamSpecification)")
	}
	r := &Reader{streamArn: *out.Table.LatestStreamArn, iters: map[string]*string{}, last: map[string]string{},
		streams: dynamodbstreams.New(dynamodbstreams.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})}
	return r, r.refreshShards(ctx, st.ShardIteratorTypeLatest)
}

func (r *Reader) refreshShards(ctx context.Context, from st.ShardIteratorType) error {
	desc, err := r.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &r.streamArn})
	if err != nil {
		return err
	}
	opening := len(r.iters) == 0
	for _, sh := range desc.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		if _, ok := r.iters[id]; ok {
			continue
		}
		typ := from
		if !opening || from == "" {
			typ = st.ShardIteratorTypeTrimHorizon // a shard born after we opened: read all of it
		}
		it, err := r.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &r.streamArn,
			ShardId: sh.ShardId, ShardIteratorType: typ})
		if err != nil {
			return err
		}
		r.iters[id] = it.ShardIterator
	}
	return nil
}

// Next returns the records written since the last call (possibly none).
func (r *Reader) Next(ctx context.Context) ([]events.DynamoDBEventRecord, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.refreshShards(ctx, ""); err != nil {
		return nil, err
	}
	var out []events.DynamoDBEventRecord
	for id, it := range r.iters {
		if it == nil {
			continue
		}
		for {
			res, err := r.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
			var trimmed *st.TrimmedDataAccessException
			var expired *st.ExpiredIteratorException
			if errors.As(err, &trimmed) || errors.As(err, &expired) {
				// DynamoDB Local can refuse an iterator taken on an empty shard; resume after the
				// last record read (or from the shard's start).
				in := &dynamodbstreams.GetShardIteratorInput{StreamArn: &r.streamArn, ShardId: aws.String(id),
					ShardIteratorType: st.ShardIteratorTypeTrimHorizon}
				if seq := r.last[id]; seq != "" {
					in.ShardIteratorType, in.SequenceNumber = st.ShardIteratorTypeAfterSequenceNumber, aws.String(seq)
				}
				fresh, ierr := r.streams.GetShardIterator(ctx, in)
				if ierr != nil {
					return nil, ierr
				}
				it = fresh.ShardIterator
				continue
			}
			if err != nil {
				return nil, err
			}
			for _, rec := range res.Records {
				out = append(out, convert(rec, r.streamArn))
				r.last[id] = aws.ToString(rec.Dynamodb.SequenceNumber)
			}
			it = res.NextShardIterator
			if len(res.Records) == 0 || it == nil {
				break
			}
		}
		r.iters[id] = it
	}
	sort.SliceStable(out, func(i, j int) bool { return seqLess(out[i].Change.SequenceNumber, out[j].Change.SequenceNumber) })
	return out, nil
}

func seqLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func convert(rec st.Record, arn string) events.DynamoDBEventRecord {
	d := rec.Dynamodb
	e := events.DynamoDBEventRecord{EventID: aws.ToString(rec.EventID), EventName: string(rec.EventName),
		EventSource: "aws:dynamodb", EventVersion: aws.ToString(rec.EventVersion), AWSRegion: "us-east-1", EventSourceArn: arn,
		Change: events.DynamoDBStreamRecord{Keys: image(d.Keys), NewImage: image(d.NewImage), OldImage: image(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), StreamViewType: string(d.StreamViewType)}}
	if d.SizeBytes != nil {
		e.Change.SizeBytes = *d.SizeBytes
	}
	if d.ApproximateCreationDateTime != nil {
		e.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
	}
	return e
}

func image(m map[string]st.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = value(v)
	}
	return out
}

func value(v st.AttributeValue) events.DynamoDBAttributeValue {
	switch t := v.(type) {
	case *st.AttributeValueMemberS:
		return events.NewStringAttribute(t.Value)
	case *st.AttributeValueMemberN:
		return events.NewNumberAttribute(t.Value)
	case *st.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(t.Value)
	case *st.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	case *st.AttributeValueMemberB:
		return events.NewBinaryAttribute(t.Value)
	case *st.AttributeValueMemberSS:
		return events.NewStringSetAttribute(t.Value)
	case *st.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(t.Value)
	case *st.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(t.Value)
	case *st.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, 0, len(t.Value))
		for _, e := range t.Value {
			l = append(l, value(e))
		}
		return events.NewListAttribute(l)
	case *st.AttributeValueMemberM:
		return events.NewMapAttribute(image(t.Value))
	}
	return events.NewNullAttribute()
}

// Failure is a record the handler kept failing on after every retry.
type Failure struct {
	EventID string    `json:"eventId"`
	Tries   int       `json:"tries"`
	At      time.Time `json:"at"`
}

// Feeder polls a Reader and calls a handler in batches, retrying failed records like Lambda's
// ReportBatchItemFailures: the batch resumes from the first failed record.
type Feeder struct {
	Reader   *Reader
	Handler  Handler
	Interval time.Duration
	Tries    int
	OnError  func(error)

	mu       sync.Mutex
	failures []Failure
	pending  []events.DynamoDBEventRecord
	tries    map[string]int
}

// Failures lists records given up on.
func (f *Feeder) Failures() []Failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Failure(nil), f.failures...)
}

// Run polls until ctx ends.
func (f *Feeder) Run(ctx context.Context) {
	interval := f.Interval
	if interval == 0 {
		interval = 250 * time.Millisecond
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := f.Poll(ctx); err != nil && f.OnError != nil && ctx.Err() == nil {
				f.OnError(err)
			}
		}
	}
}

// Poll reads what is new and feeds it (with any records waiting for a retry).
func (f *Feeder) Poll(ctx context.Context) error {
	recs, err := f.Reader.Next(ctx)
	if err != nil {
		return err
	}
	f.mu.Lock()
	batch := append(f.pending, recs...)
	f.pending = nil
	if f.tries == nil {
		f.tries = map[string]int{}
	}
	f.mu.Unlock()
	for len(batch) > 0 {
		n := min(len(batch), 25)
		resp, err := f.Handler(ctx, events.DynamoDBEvent{Records: batch[:n]})
		if err != nil {
			return err
		}
		retry := firstFailed(batch[:n], resp)
		if retry < 0 {
			batch = batch[n:]
			continue
		}
		rec := batch[retry]
		f.mu.Lock()
		f.tries[rec.EventID]++
		if f.tries[rec.EventID] >= f.maxTries() {
			f.failures = append(f.failures, Failure{EventID: rec.EventID, Tries: f.tries[rec.EventID], At: time.Now().UTC()})
			delete(f.tries, rec.EventID)
			batch = append(batch[:retry:retry], batch[retry+1:]...)
			f.mu.Unlock()
			continue
		}
		f.pending = append(f.pending, batch[retry:]...)
		f.mu.Unlock()
		return fmt.Errorf("stream record %s failed (try %d); retrying", rec.EventID, f.tries[rec.EventID])
	}
	return nil
}

func (f *Feeder) maxTries() int {
	if f.Tries > 0 {
		return f.Tries
	}
	return 3
}

// firstFailed is the index of the earliest reported record, or -1.
func firstFailed(batch []events.DynamoDBEventRecord, resp events.DynamoDBEventResponse) int {
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	for i, r := range batch {
		if failed[r.Change.SequenceNumber] {
			return i
		}
	}
	return -1
}
