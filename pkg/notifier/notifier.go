// Package notifier is the stream consumer that closes the loop: fed by the table's stream, it
// audits every write of a referral, gives each new referral its patient status code, and sends the
// acknowledgements, alerts, status updates, questions and rating requests. It reports only the
// records it could not finish (ReportBatchItemFailures); a record it cannot read is parked for a
// person and never blocks the batch. Emails carry references and links, never the patient's name,
// date of birth, phone or reason.
package notifier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// CodeLife is how long a patient status code works after its referral was made.
const CodeLife = 366 * 24 * time.Hour

// Notifier handles stream batches.
type Notifier struct {
	Store  *store.Store
	Mailer notify.Mailer
	SMS    notify.SMS // nil: no text messages
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
	cache := &lookups{n: n, practices: map[string]practice.Practice{}, partners: map[string]partner.Partner{}}
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

func (n *Notifier) record(ctx context.Context, rec events.DynamoDBEventRecord, c *lookups) error {
	img := rec.Change.NewImage
	if rec.EventName == string(events.DynamoDBOperationTypeRemove) || img == nil {
		return nil
	}
	if t, ok := img["type"]; !ok || t.DataType() != events.DataTypeString || t.String() != "referral" {
		return nil // not a referral: nothing to tell anyone
	}
	item, err := Item(img)
	if err != nil {
		return fmt.Errorf("%w: %v", errPoison, err)
	}
	now, err := store.DecodeReferral(item)
	if err != nil || now.TenantID == "" || now.ULID == "" || now.CreatedAt.IsZero() || now.UpdatedAt.IsZero() || now.ContactBy.IsZero() {
		return fmt.Errorf("%w: not a referral", errPoison)
	}
	var before *referral.Referral
	if rec.Change.OldImage != nil {
		if old, err := Item(rec.Change.OldImage); err == nil {
			if b, err := store.DecodeReferral(old); err == nil {
				before = &b
			}
		}
	}
	if err := n.auditWrite(ctx, rec, now); err != nil {
		return err
	}
	pt, err := c.partner(ctx, now.TenantID, now.Partner.ID)
	if err != nil {
		return err
	}
	if err := n.Store.PutFact(ctx, metrics.FactOf(now, partner.SourceKind(pt.Kind)), n.now()); err != nil {
		return err
	}
	msgs, err := n.plan(ctx, before, now, c)
	if err != nil {
		return err
	}
	// Every message is tried even when one fails, so one bad address delays nobody else; the
	// record is then reported and its retry sends only what is still unsent.
	var kinds []string
	var failed error
	for _, m := range msgs {
		if err := n.deliver(ctx, now, m); err != nil {
			failed = errors.Join(failed, err)
			continue
		}
		kinds = append(kinds, m.kind)
	}
	if failed != nil {
		return failed
	}
	if len(kinds) > 0 {
		// Dated by the write it reacts to, keyed by the stream record: a redelivery rewrites the same item.
		return n.Store.Audit(ctx, store.AuditRecord{At: now.UpdatedAt, TenantID: now.TenantID, Actor: "notifier", Role: "system",
			Action: "notify:" + strings.Join(kinds, "+"), Referral: now.ID}, rec.EventID+"#notify")
	}
	return nil
}

// auditWrite records the write the stream reports, with the actor the write stamped on the item.
func (n *Notifier) auditWrite(ctx context.Context, rec events.DynamoDBEventRecord, r referral.Referral) error {
	a := store.AuditRecord{At: r.UpdatedAt, TenantID: r.TenantID, Referral: r.ID, Actor: "unknown", Role: "unknown", Action: "write"}
	if r.LastActor != nil {
		a.Actor, a.Role, a.Action, a.IP = r.LastActor.ID, r.LastActor.Role, r.LastActor.Action, r.LastActor.IP
	}
	if rec.Change.ApproximateCreationDateTime.Unix() > 0 && a.At.IsZero() {
		a.At = rec.Change.ApproximateCreationDateTime.UTC()
	}
	if a.At.IsZero() {
		a.At = n.now()
	}
	return n.Store.Audit(ctx, a, rec.EventID)
}

// message is one email or text to send.
type message struct {
	kind string // ack, intake, patient-code, patient-sms, update, question, closed, answered, patient-update
	to   string
	sms  bool
	subj string
	text string
}

// deliver sends m once: the outbox claim makes stream redeliveries skip what was sent; a send that
// keeps failing is marked failed (kept for a person) and the record is reported for retry.
func (n *Notifier) deliver(ctx context.Context, r referral.Referral, m message) error {
	note := store.Notification{Key: fmt.Sprintf("%s#v%03d#%s", r.ULID, r.Version, m.kind), Kind: m.kind, Referral: r.ID, At: n.now()}
	fresh, err := n.Store.ClaimNotification(ctx, r.TenantID, note)
	if err != nil || !fresh {
		return err
	}
	tries := n.SendTries
	if tries <= 0 {
		tries = 3
	}
	var sendErr error
	for i := 0; i < tries; i++ {
		if i > 0 {
			time.Sleep(time.Duration(i*i) * 50 * time.Millisecond)
		}
		if m.sms {
			sendErr = n.SMS.SendSMS(ctx, m.to, m.text)
		} else {
			sendErr = n.Mailer.Send(ctx, notify.Message{To: m.to, Subject: m.subj, Text: m.text})
		}
		if sendErr == nil {
			return n.Store.FinishNotification(ctx, r.TenantID, note.Key, store.NoteSent, "")
		}
	}
	// Mailer errors never quote the recipient (notify.Scrub), so they can be kept and logged.
	if err := n.Store.FinishNotification(ctx, r.TenantID, note.Key, store.NoteFailed, "send failed: "+sendErr.Error()); err != nil {
		return err
	}
	return fmt.Errorf("send %s for %s: %w", m.kind, r.Ref(), sendErr)
}

// lookups caches the practice and partner reads of one batch.
type lookups struct {
	n         *Notifier
	practices map[string]practice.Practice
	partners  map[string]partner.Partner
}

func (l *lookups) practice(ctx context.Context, tid string) (practice.Practice, error) {
	if p, ok := l.practices[tid]; ok {
		return p, nil
	}
	p, err := l.n.Store.Practice(ctx, tid)
	if err == nil {
		l.practices[tid] = p
	}
	return p, err
}

func (l *lookups) partner(ctx context.Context, tid, pid string) (partner.Partner, error) {
	if p, ok := l.partners[tid+pid]; ok {
		return p, nil
	}
	p, err := l.n.Store.Partner(ctx, tid, pid)
	if store.IsNotFound(err) {
		return partner.Partner{ID: pid, StatusUpdates: partner.UpdatesEach}, nil
	}
	if err == nil {
		l.partners[tid+pid] = p
	}
	return p, err
}

// plan decides who hears what about one write.
func (n *Notifier) plan(ctx context.Context, before *referral.Referral, r referral.Referral, c *lookups) ([]message, error) {
	p, err := c.practice(ctx, r.TenantID)
	if store.IsNotFound(err) {
		return nil, fmt.Errorf("%w: no practice %s", errPoison, r.TenantID)
	} else if err != nil {
		return nil, err
	}
	ref := r.Ref()
	// The practice's slug lets a referrer on a new device ask for a sign-in link on the way.
	link := n.Origin + "/referrals/" + r.ID + "?practice=" + p.Slug
	var out []message
	if before == nil { // a new referral
		code, err := n.Signer.PatientCode(ctx, r.TenantID, r.ID)
		if err != nil {
			return nil, err
		}
		if err := n.Store.PutCode(ctx, auth.CodeHash(code), store.CodeMarker{TenantID: r.TenantID, ReferralID: r.ID}, r.CreatedAt.Add(CodeLife)); err != nil {
			return nil, err
		}
		out = append(out, message{kind: "ack", to: r.Referrer.Email, subj: fmt.Sprintf("Referral %s received by %s", ref, p.Name),
			text: fmt.Sprintf("Hello %s,\n\n%s received your referral %s on %s. They aim to contact the patient by %s.\n\nFollow its status: %s\n",
				r.Referrer.Name, p.Name, ref, day(r.CreatedAt), when(r.ContactBy), link)})
		if p.IntakeContact.Email != "" {
			urgency := ""
			if r.Urgency == referral.Urgent {
				urgency = " (urgent)"
			}
			out = append(out, message{kind: "intake", to: p.IntakeContact.Email, subj: fmt.Sprintf("New referral %s%s from %s", ref, urgency, r.Partner.Name),
				text: fmt.Sprintf("A new referral %s%s arrived from %s. Contact the patient by %s.\n\nOpen it: %s/practice/referrals/%s\n",
					ref, urgency, r.Partner.Name, when(r.ContactBy), n.Origin, r.ID)})
		}
		if r.Patient.ConsentToContact {
			text := fmt.Sprintf("Hello,\n\n%s referred you to %s. To see where your referral stands, go to %s/status and enter this code with your date of birth:\n\n    %s\n\n%s\n",
				r.Partner.Name, p.Name, n.Origin, code, contactLine(p))
			if r.Patient.Email != "" {
				out = append(out, message{kind: "patient-code", to: r.Patient.Email, subj: "Your referral to " + p.Name, text: text})
			}
			if phone := e164(r.Patient.Phone); phone != "" && n.SMS != nil {
				out = append(out, message{kind: "patient-sms", to: phone, sms: true,
					text: fmt.Sprintf("%s: you were referred. Check status at %s/status with code %s and your date of birth.", p.Name, n.Origin, code)})
			}
		}
		return out, nil
	}
	if before.Status == r.Status {
		return nil, nil // ratings and other edits: audited, nobody to tell
	}
	pt, err := c.partner(ctx, r.TenantID, r.Partner.ID)
	if err != nil {
		return nil, err
	}
	prefs := pt.StatusUpdates
	if prefs == "" {
		prefs = partner.UpdatesEach
	}
	words, _ := referral.PatientWords(r, p.IntakeContact.Phone)
	switch {
	case r.Status == referral.NeedsInfo:
		// A question is an action for the referrer, whatever their update preference.
		out = append(out, message{kind: "question", to: r.Referrer.Email, subj: fmt.Sprintf("%s has a question about referral %s", p.Name, ref),
			text: fmt.Sprintf("Hello %s,\n\n%s needs a detail to go on with referral %s. Open it to read the question and answer it:\n\n%s\n", r.Referrer.Name, p.Name, ref, link)})
	case before.Status == referral.NeedsInfo && p.IntakeContact.Email != "":
		out = append(out, message{kind: "answered", to: p.IntakeContact.Email, subj: fmt.Sprintf("Referral %s: the referrer answered", ref),
			text: fmt.Sprintf("The referrer answered your question on referral %s; it is back in your queue.\n\n%s/practice/referrals/%s\n", ref, n.Origin, r.ID)})
	case r.Status == referral.Closed && prefs != partner.UpdatesNone:
		out = append(out, n.closing(ctx, r, p, link)...)
	case prefs == partner.UpdatesDigest && referral.ReferrerSeesMove(before.Status, r.Status, r.Patient.ConsentToShareOutcomes):
		if err := n.queueDigest(ctx, r); err != nil {
			return nil, err
		}
	case prefs == partner.UpdatesEach && referral.ReferrerSeesMove(before.Status, r.Status, r.Patient.ConsentToShareOutcomes):
		detail := ""
		if r.Status == referral.Scheduled && r.Appointment != nil {
			detail = " The appointment is on " + when(r.Appointment.At) + "."
		}
		if r.Status == referral.Declined && r.Decline != nil {
			detail = " Reason: " + strings.ReplaceAll(r.Decline.Reason, "-", " ") + "."
		}
		out = append(out, message{kind: "update", to: r.Referrer.Email, subj: fmt.Sprintf("Referral %s: %s", ref, statusWords(r.Status)),
			text: fmt.Sprintf("Hello %s,\n\nReferral %s to %s is now %s.%s\n\nDetails: %s\n", r.Referrer.Name, ref, p.Name, statusWords(r.Status), detail, link)})
	}
	if r.Status == referral.Scheduled && r.Patient.ConsentToContact && r.Patient.Email != "" {
		out = append(out, message{kind: "patient-update", to: r.Patient.Email, subj: "Your referral to " + p.Name + ": " + strings.ToLower(words),
			text: fmt.Sprintf("Hello,\n\n%s. See the time and place at %s/status with your code and date of birth.\n\n%s\n", words, n.Origin, contactLine(p))})
	}
	return out, nil
}

func (n *Notifier) closing(ctx context.Context, r referral.Referral, p practice.Practice, link string) []message {
	tok, err := n.Signer.IssueRating(ctx, r.TenantID, r.ID)
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n%s closed the loop on referral %s. Thank you for the referral.\n\nDetails: %s\n", r.Referrer.Name, p.Name, r.Ref(), link)
	if err == nil {
		b.WriteString("\nHow was the handoff? One click rates it (1 = poor, 5 = excellent):\n")
		for s := 1; s <= 5; s++ {
			fmt.Fprintf(&b, "  %d: %s/rate#token=%s&score=%d\n", s, n.Origin, tok, s)
		}
	}
	return []message{{kind: "closed", to: r.Referrer.Email, subj: fmt.Sprintf("Referral %s: the loop is closed", r.Ref()), text: b.String()}}
}

func statusWords(s referral.Status) string {
	switch s {
	case referral.NeedsInfo:
		return "waiting for your answer"
	case referral.NoShow:
		return "a missed appointment"
	}
	return string(s)
}

func contactLine(p practice.Practice) string {
	if p.IntakeContact.Phone != "" {
		return "Questions? Call " + p.Name + " at " + p.IntakeContact.Phone + "."
	}
	return ""
}

func day(t time.Time) string  { return t.UTC().Format("Jan 2, 2006") }
func when(t time.Time) string { return t.UTC().Format("Mon Jan 2, 15:04 MST") }

// e164 returns a phone number in E.164 form when it is written with a country code, else "".
func e164(phone string) string {
	if !strings.HasPrefix(strings.TrimSpace(phone), "+") {
		return ""
	}
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() < 8 {
		return ""
	}
	return b.String()
}
