// Package notifier is the stream consumer that closes the loop. Fed by the table's stream, it reads
// each write of a referral as a change (the referral before and after), loads what the change needs
// once (the practice and partner, cached per batch), and runs a few projections of it, each with
// one job (projections.go):
//
//   - audit: the write, with the actor it stamped on the item;
//   - fact: the referral's metrics fact and a change marker for the rollup;
//   - code: a new referral's patient status code;
//   - messages: who hears what (acknowledgements, alerts, status updates, questions, rating
//     requests, digest entries), in the words of pkg/messages.
//
// Projections only decide; apply carries their decisions out with as few store calls as it can
// (apply.go), and every message goes out through the outbox (outbox.go), which the daily digest
// (digest.go) shares, so a redelivered record or a rerun digest sends nothing twice.
//
// It reports only the records it could not finish (ReportBatchItemFailures); a record it cannot read
// is parked for a person and never blocks the batch. Messages carry references and links, never the
// patient's name, date of birth, phone or reason.
package notifier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/store"
)

// CodeLife is how long a patient status code works after its referral was made.
const CodeLife = 366 * 24 * time.Hour

// Notifier handles stream batches and the daily digest.
type Notifier struct {
	Store  *store.Store
	Mailer notify.Mailer
	SMS    notify.SMS // nil: no text messages
	// Texts say where texts may go and how many (zero: DefaultTextRules).
	Texts  TextRules
	Signer *auth.Signer
	Origin string
	Log    *slog.Logger
	// SendTries is how many times one message is tried within an invocation (default 3).
	SendTries int
	Now       func() time.Time
}

func (n *Notifier) log() *slog.Logger {
	if n.Log != nil {
		return n.Log
	}
	return slog.Default()
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now().UTC()
	}
	return time.Now().UTC()
}

// errPoison marks a record that can never be processed.
var errPoison = errors.New("unreadable record")

// Handle processes a batch and reports the records to retry.
func (n *Notifier) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	cache := n.lookups()
	for _, rec := range ev.Records {
		err := n.record(ctx, rec, cache)
		switch {
		case err == nil:
		case errors.Is(err, errPoison):
			// Logged without content (no PHI), parked for a person, not retried: it would fail forever.
			n.log().Error("stream record parked", "event", rec.EventID, "error", err.Error())
			if perr := n.Store.ParkRecord(ctx, rec.EventID, keyOf(rec, "PK"), keyOf(rec, "SK"), err.Error()); perr != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			}
		default:
			n.log().Warn("stream record failed; will be retried", "event", rec.EventID, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return resp, nil
}

func keyOf(rec events.DynamoDBEventRecord, name string) string {
	if v, ok := rec.Change.Keys[name]; ok && v.DataType() == events.DataTypeString {
		return v.String()
	}
	return ""
}

// record handles one stream record: decode the change, load what it needs, project, apply.
func (n *Notifier) record(ctx context.Context, rec events.DynamoDBEventRecord, cache *lookups) error {
	c, err := decode(rec)
	if err != nil || c == nil {
		return err // nil, nil: not a referral's write, nothing to tell anyone
	}
	if err := n.load(ctx, c, cache); err != nil {
		return err
	}
	var fx effects
	for _, p := range projections {
		if err := p.project(n, ctx, c, &fx); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return n.apply(ctx, c, fx)
}
