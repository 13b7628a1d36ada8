package notifier_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/infra/streamfeed"
	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/notifier"
	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// flaky fails every send to one address.
type flaky struct {
	notify.Recorder
	mu     sync.Mutex
	failTo string
}

func (f *flaky) Send(ctx context.Context, m notify.Message) error {
	f.mu.Lock()
	bad := f.failTo
	f.mu.Unlock()
	if m.To == bad {
		return errors.New("mailbox unavailable")
	}
	return f.Recorder.Send(ctx, m)
}

type fixture struct {
	t      *testing.T
	store  *store.Store
	reader *streamfeed.Reader
	mail   *flaky
	n      *notifier.Notifier
	tid    string
}

func newFixture(t *testing.T) *fixture {
	t.Parallel()
	db, table := dynamotest.NewTable(t)
	ctx := context.Background()
	f := &fixture{t: t, store: store.New(db, table), mail: &flaky{}}
	reader, err := streamfeed.Open(ctx, dynamotest.Endpoint(t), table)
	if err != nil {
		t.Fatal(err)
	}
	f.reader = reader
	f.n = &notifier.Notifier{Store: f.store, Mailer: f.mail, SMS: &f.mail.Recorder, Origin: "https://app.example",
		Signer: &auth.Signer{Issuer: "i", Audience: "a", Source: auth.StaticKey(strings.Repeat("k", 32))}, Log: slog.New(slog.DiscardHandler), SendTries: 2}
	f.tid = ids.Short("t_")
	hash := ids.Hash(ids.Token(32))
	_ = f.store.PutLink(ctx, hash, store.Link{Purpose: store.LinkSignup, Email: "o@x.example", ExpiresAt: time.Now().Add(time.Minute)})
	p := practice.Practice{ID: f.tid, Version: 1, Profile: practice.Profile{Name: "Stream Clinic", Slug: "stream-" + strings.ToLower(f.tid),
		ContactByHours: practice.DefaultContactBy, IntakeContact: practice.Contact{Email: "intake@stream.example", Phone: "+1 555 0100"}}}
	if err := f.store.CreatePractice(ctx, hash, p, store.User{Email: "o@x.example", Role: practice.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) submit(referrerEmail, patientEmail string) referral.Referral {
	s := referral.Submission{Patient: referral.Patient{FirstName: "Zelda", LastName: "Quartermain", DateOfBirth: "1971-02-03",
		Phone: "+1 415 555 0199", Email: patientEmail, ConsentToContact: true}, Reason: "Rotator cuff tear", Urgency: referral.Urgent}
	r := referral.New(f.tid, referral.PartnerRef{ID: "p_1", Name: "Northside"}, "r_"+ids.Short(""), referral.Person{Name: "Dr. Who", Email: referrerEmail},
		ids.NewULID(time.Now()), s, time.Now().UTC(), practice.DefaultContactBy)
	if _, _, err := f.store.CreateReferral(context.Background(), r); err != nil {
		f.t.Fatal(err)
	}
	return r
}

func (f *fixture) records() []events.DynamoDBEventRecord {
	f.t.Helper()
	var recs []events.DynamoDBEventRecord
	for i := 0; i < 20 && len(recs) == 0; i++ {
		r, err := f.reader.Next(context.Background())
		if err != nil {
			f.t.Fatal(err)
		}
		recs = append(recs, r...)
		if len(recs) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	return recs
}

// byReferral reads the stream until it has n referral records, and returns them by referral id.
func byReferral(t *testing.T, f *fixture, n int) map[string]events.DynamoDBEventRecord {
	t.Helper()
	out := map[string]events.DynamoDBEventRecord{}
	for i := 0; i < 10 && len(out) < n; i++ {
		for _, r := range referralRecords(f.records()) {
			out[r.Change.NewImage["id"].String()] = r
		}
	}
	if len(out) != n {
		t.Fatalf("%d referral records on the stream, want %d", len(out), n)
	}
	return out
}

// referralRecords keeps the records the stream's filter passes to the notifier (template.yaml).
func referralRecords(recs []events.DynamoDBEventRecord) []events.DynamoDBEventRecord {
	var out []events.DynamoDBEventRecord
	for _, r := range recs {
		if t, ok := r.Change.NewImage["type"]; ok && t.DataType() == events.DataTypeString && t.String() == "referral" {
			out = append(out, r)
		}
	}
	return out
}

func values(m map[string]events.DynamoDBEventRecord) []events.DynamoDBEventRecord {
	out := make([]events.DynamoDBEventRecord, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	return out
}

func TestNotifierOnRealStreamRecords(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	good := f.submit("good@ref.example", "pat@patient.example")
	bad := f.submit("bad@ref.example", "")
	f.mail.failTo = "bad@ref.example"

	var refRecs []events.DynamoDBEventRecord
	for _, r := range f.records() {
		if t, ok := r.Change.NewImage["type"]; ok && t.String() == "referral" {
			refRecs = append(refRecs, r)
		}
	}
	if len(refRecs) != 2 {
		t.Fatalf("%d referral records on the stream, want 2", len(refRecs))
	}
	resp, err := f.n.Handle(ctx, events.DynamoDBEvent{Records: refRecs})
	if err != nil {
		t.Fatal(err)
	}
	var badSeq string
	for _, r := range refRecs {
		if r.Change.NewImage["ulid"].String() == bad.ULID {
			badSeq = r.Change.SequenceNumber
		}
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != badSeq {
		t.Fatalf("failures %+v, want only %s", resp.BatchItemFailures, badSeq)
	}
	sent := f.mail.Sent()
	to := map[string]int{}
	for _, m := range sent {
		to[m.To]++
	}
	if to["good@ref.example"] != 1 || to["pat@patient.example"] != 1 || to["+14155550199"] != 2 || to["intake@stream.example"] != 2 {
		t.Fatalf("sent %v", to)
	}
	// The failed send is kept for a person to see.
	notes, err := f.store.Notifications(ctx, f.tid, 50)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, n := range notes {
		if n.Status == store.NoteFailed {
			failed++
			if n.Referral != bad.ID || n.Kind != "ack" || strings.Contains(n.Error, "bad@") {
				t.Fatalf("failed notification %+v", n)
			}
		}
	}
	if failed != 1 {
		t.Fatalf("%d failed notifications kept, want 1: %+v", failed, notes)
	}
	// The patient can look the referral up with the code the notifier sent.
	code := ""
	for _, m := range sent {
		if m.To == "pat@patient.example" {
			code = strings.TrimSpace(strings.SplitN(strings.SplitN(m.Text, "date of birth:\n\n", 2)[1], "\n", 2)[0])
		}
	}
	if m, err := f.store.Code(ctx, auth.CodeHash(code)); err != nil || m.ReferralID != good.ID {
		t.Fatalf("code %q → %+v %v", code, m, err)
	}

	// Redelivery (Lambda retries from the failed record, the mailbox is back): nothing is sent twice.
	f.mail.failTo = ""
	resp, _ = f.n.Handle(ctx, events.DynamoDBEvent{Records: refRecs})
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("retry failures %+v", resp.BatchItemFailures)
	}
	again := map[string]int{}
	for _, m := range f.mail.Sent() {
		again[m.To]++
	}
	if again["good@ref.example"] != 1 || again["bad@ref.example"] != 1 || again["pat@patient.example"] != 1 {
		t.Fatalf("after redelivery %v", again)
	}

	// A status change reaches the referrer; PHI never appears in any email.
	g, _ := f.store.Referral(ctx, f.tid, good.ID)
	prev := g.Version
	if err := g.Apply(referral.Transition{To: referral.Accepted}, referral.Actor{Name: "Maria", Role: "staff"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.store.SaveReferral(ctx, g, prev); err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.n.Handle(ctx, events.DynamoDBEvent{Records: f.records()}); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("update failures %+v", resp.BatchItemFailures)
	}
	updates := 0
	for _, m := range f.mail.Sent() {
		if m.To == "good@ref.example" && strings.Contains(m.Subject, "accepted") {
			updates++
		}
		if m.Subject == "SMS" {
			continue
		}
		for _, phi := range []string{"Zelda", "Quartermain", "1971-02-03", "555 0199", "5550199", "Rotator"} {
			if strings.Contains(m.Subject+m.Text, phi) {
				t.Errorf("email %q to %s holds %q", m.Subject, m.To, phi)
			}
		}
	}
	if updates != 1 {
		t.Fatalf("%d status update emails, want 1", updates)
	}
}

func TestPoisonRecordIsParkedNotRetried(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	good := f.submit("ok@ref.example", "")
	recs := f.records()
	poison := events.DynamoDBEventRecord{EventID: "poison-1", EventName: "INSERT", Change: events.DynamoDBStreamRecord{
		SequenceNumber: "1",
		Keys:           map[string]events.DynamoDBAttributeValue{"PK": events.NewStringAttribute("T#x#P#p"), "SK": events.NewStringAttribute("R#r#u")},
		NewImage: map[string]events.DynamoDBAttributeValue{"type": events.NewStringAttribute("referral"),
			"createdAt": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"x": events.NewBooleanAttribute(true)})}}}
	batch := append([]events.DynamoDBEventRecord{poison}, recs...)
	resp, err := f.n.Handle(ctx, events.DynamoDBEvent{Records: batch})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("poison blocked the batch: %+v %v", resp.BatchItemFailures, err)
	}
	got := false
	for _, m := range f.mail.Sent() {
		if m.To == "ok@ref.example" {
			got = true
		}
	}
	if !got {
		t.Fatalf("the record after the poison was not processed (referral %s)", good.ID)
	}
	parked, err := f.store.Parked(ctx)
	if err != nil || len(parked) != 1 {
		t.Fatalf("parked %d records (%v), want 1", len(parked), err)
	}
}

func TestDailyDigest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.store.CreatePartner(ctx, f.tid, partner.Partner{ID: "p_1", Name: "Northside", Kind: "pcp", StatusUpdates: partner.UpdatesDigest}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.EnsureReferrer(ctx, f.tid, partner.Referrer{ID: "r_x", PartnerID: "p_1", Email: "digest@ref.example", Name: "Dr. Digest"}); err != nil {
		t.Fatal(err)
	}
	var made []referral.Referral
	for i := 0; i < 2; i++ {
		made = append(made, f.submit("digest@ref.example", ""))
	}
	f.n.Handle(ctx, events.DynamoDBEvent{Records: values(byReferral(t, f, 2))})
	for _, r := range made {
		r, _ = f.store.Referral(ctx, f.tid, r.ID)
		prev := r.Version
		_ = r.Apply(referral.Transition{To: referral.Accepted}, referral.Actor{Role: "staff"}, time.Now())
		if err := f.store.SaveReferral(ctx, r, prev); err != nil {
			t.Fatal(err)
		}
	}
	if resp, _ := f.n.Handle(ctx, events.DynamoDBEvent{Records: values(byReferral(t, f, 2))}); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp.BatchItemFailures)
	}
	for _, m := range f.mail.Sent() {
		if m.To == "digest@ref.example" && strings.Contains(m.Subject, "accepted") {
			t.Fatal("a digest partner got an update email right away")
		}
	}
	if _, err := f.n.Invoke(ctx, []byte(`{"source":"aws.scheduler"}`)); err == nil {
		t.Fatal("an unknown event was taken for a digest run")
	}
	out, err := f.n.Invoke(ctx, []byte(`{"task":"digest","day":"`+notifier.DigestKeyFor(time.Now(), time.UTC)+`"}`))
	if err != nil || out.(map[string]int)["digests"] != 1 {
		t.Fatalf("digest run: %v %v", out, err)
	}
	var digest string
	for _, m := range f.mail.Sent() {
		if m.To == "digest@ref.example" && m.Subject == "2 referral updates on "+time.Now().UTC().Format("Jan 2, 2006") {
			digest = m.Text
		}
	}
	if strings.Count(digest, "is now accepted") != 2 {
		t.Fatalf("digest %q", digest)
	}
	if out, _ := f.n.Invoke(ctx, []byte(`{"task":"digest","day":"`+notifier.DigestKeyFor(time.Now(), time.UTC)+`"}`)); out.(map[string]int)["digests"] != 0 {
		t.Fatal("a digest went out twice")
	}
}

// TestDigestGoesThroughTheOutbox: a digest is claimed and finished like every other message; one
// that cannot be sent is kept as failed (with no address in its error), holds back no other, and
// is the only one a rerun sends.
func TestDigestGoesThroughTheOutbox(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.store.CreatePartner(ctx, f.tid, partner.Partner{ID: "p_1", Name: "Northside", Kind: "pcp", StatusUpdates: partner.UpdatesDigest}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"one", "two"} {
		if _, err := f.store.EnsureReferrer(ctx, f.tid, partner.Referrer{ID: "r_" + who, PartnerID: "p_1", Email: who + "@ref.example", Name: "Dr. " + who}); err != nil {
			t.Fatal(err)
		}
	}
	made := []referral.Referral{f.submit("one@ref.example", ""), f.submit("two@ref.example", "")}
	f.n.Handle(ctx, events.DynamoDBEvent{Records: values(byReferral(t, f, 2))})
	for _, r := range made {
		r, _ = f.store.Referral(ctx, f.tid, r.ID)
		prev := r.Version
		_ = r.Apply(referral.Transition{To: referral.Accepted}, referral.Actor{Role: "staff"}, time.Now())
		if err := f.store.SaveReferral(ctx, r, prev); err != nil {
			t.Fatal(err)
		}
	}
	if resp, _ := f.n.Handle(ctx, events.DynamoDBEvent{Records: values(byReferral(t, f, 2))}); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp.BatchItemFailures)
	}
	day := notifier.DigestKeyFor(time.Now(), time.UTC)
	f.mail.failTo = "one@ref.example"
	sent, err := f.n.SendDigests(ctx, day)
	if err == nil || sent != 1 || strings.Contains(err.Error(), "one@") {
		t.Fatalf("sent %d, err %v; want 1 sent and a PHI-free error for the other", sent, err)
	}
	notes, err := f.store.Notifications(ctx, f.tid, 50)
	if err != nil {
		t.Fatal(err)
	}
	digests := map[string]int{}
	for _, n := range notes {
		if n.Kind == "digest" {
			digests[n.Status]++
			if n.Status == store.NoteFailed && (n.Error != "send failed: mailbox unavailable" || n.Attempts != 1) {
				t.Errorf("failed digest %+v", n)
			}
		}
	}
	if digests[store.NoteSent] != 1 || digests[store.NoteFailed] != 1 {
		t.Fatalf("digests in the outbox %v", digests)
	}
	f.mail.failTo = ""
	if sent, err := f.n.SendDigests(ctx, day); err != nil || sent != 1 {
		t.Fatalf("rerun sent %d (%v), want only the failed one", sent, err)
	}
	to := map[string]int{}
	for _, m := range f.mail.Sent() {
		if strings.HasPrefix(m.Subject, "1 referral update on ") {
			to[m.To]++
		}
	}
	if to["one@ref.example"] != 1 || to["two@ref.example"] != 1 {
		t.Fatalf("digests sent %v", to)
	}
}
