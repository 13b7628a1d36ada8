package notifier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/outreach"
	"github.com/referloop/referloop/pkg/store"
)

// thanksTo lists the automatic thank-yous sent to an address.
func thanksTo(f *fixture, to string) []string {
	var out []string
	for _, m := range f.mail.Sent() {
		if m.To == to && strings.HasPrefix(m.Subject, "Thank you") {
			out = append(out, m.Subject+"\n"+m.Text)
		}
	}
	return out
}

func (f *fixture) handle(recs []events.DynamoDBEventRecord) events.DynamoDBEventResponse {
	f.t.Helper()
	resp, err := f.n.Handle(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil {
		f.t.Fatal(err)
	}
	return resp
}

func autoTouches(t *testing.T, f *fixture) []outreach.Touch {
	t.Helper()
	list, err := f.store.Touches(context.Background(), f.tid, "p_1", 50)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestFirstReferralThanksOnce: with automatic thank-yous on, a partner's first referral brings
// exactly one thank-you to its referrer, without the patient's details, logged as one automatic
// touch; a redelivered record sends and logs nothing more and counts the referral once; a second
// referral brings none.
func TestFirstReferralThanksOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.store.PutAutoThanks(ctx, f.tid, true, false); err != nil {
		t.Fatal(err)
	}
	first := f.submit("doc@ref.example", "")
	recs := values(byReferral(t, f, 1))
	for i := range 3 { // delivered, then redelivered twice
		if resp := f.handle(recs); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("delivery %d: failures %+v", i, resp.BatchItemFailures)
		}
	}
	got := thanksTo(f, "doc@ref.example")
	if len(got) != 1 || !strings.HasPrefix(got[0], "Thank you for your first referral\n") || !strings.Contains(got[0], "Hello Dr. Who,") ||
		!strings.Contains(got[0], "Stream Clinic") || !strings.Contains(got[0], "To refer a patient: https://app.example/p/") {
		t.Fatalf("thank-yous %q", got)
	}
	for _, phi := range []string{"Zelda", "Quartermain", "1971", "Rotator", "0199", first.Ref()} {
		if strings.Contains(got[0], phi) {
			t.Errorf("the thank-you holds %q", phi)
		}
	}
	touches := autoTouches(t, f)
	if len(touches) != 1 || touches[0].Who != outreach.Automatic || touches[0].Channel != "email" || touches[0].Event != outreach.EventFirstReferral ||
		touches[0].Date != first.CreatedAt.UTC().Format(time.DateOnly) {
		t.Fatalf("touches %+v", touches)
	}
	po, err := f.store.OutreachOf(ctx, f.tid, "p_1", first.CreatedAt.UTC().Year())
	if err != nil || po.Total != 1 || po.Daily[first.CreatedAt.UTC().Format(time.DateOnly)] != 1 {
		t.Fatalf("counted %+v, %v (once, whatever the redeliveries)", po, err)
	}
	// A second referral is not a first: no thank-you.
	f.submit("doc@ref.example", "")
	if resp := f.handle(values(byReferral(t, f, 1))); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	if n := len(thanksTo(f, "doc@ref.example")); n != 1 {
		t.Errorf("%d thank-yous after a second referral, want 1", n)
	}
	if n := len(autoTouches(t, f)); n != 1 {
		t.Errorf("%d touches, want 1", n)
	}
}

// TestThanksOffSendsNothing: with the switches off (the default), a first referral is counted
// but nobody is thanked.
func TestThanksOffSendsNothing(t *testing.T) {
	f := newFixture(t)
	f.submit("doc@ref.example", "")
	if resp := f.handle(values(byReferral(t, f, 1))); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	if got := thanksTo(f, "doc@ref.example"); len(got) != 0 {
		t.Errorf("thanked with the switch off: %q", got)
	}
	if n := len(autoTouches(t, f)); n != 0 {
		t.Errorf("%d touches", n)
	}
}

// TestThanksFailedSendRetried: while the mailer fails, the record is reported for retry and no
// touch is logged (nothing was sent); the retry sends the thank-you once and logs one touch, and
// the referral is still counted once.
func TestThanksFailedSendRetried(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.store.PutAutoThanks(ctx, f.tid, true, true); err != nil {
		t.Fatal(err)
	}
	f.mail.mu.Lock()
	f.mail.failTo = "doc@ref.example"
	f.mail.mu.Unlock()
	r := f.submit("doc@ref.example", "")
	recs := values(byReferral(t, f, 1))
	if resp := f.handle(recs); len(resp.BatchItemFailures) != 1 {
		t.Fatalf("failures %+v, want the record reported", resp.BatchItemFailures)
	}
	if n := len(autoTouches(t, f)); n != 0 {
		t.Fatalf("%d touches logged for an email that was not sent", n)
	}
	notes, err := f.store.Notifications(ctx, f.tid, 20)
	if err != nil {
		t.Fatal(err)
	}
	failed := false
	for _, n := range notes {
		if n.Kind == "thanks-first-referral" && n.Status == store.NoteFailed {
			failed = true
		}
	}
	if !failed {
		t.Errorf("no failed thank-you in the outbox: %+v", notes)
	}
	f.mail.mu.Lock()
	f.mail.failTo = ""
	f.mail.mu.Unlock()
	for range 2 {
		if resp := f.handle(recs); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("retry: failures %+v", resp.BatchItemFailures)
		}
	}
	if got := thanksTo(f, "doc@ref.example"); len(got) != 1 {
		t.Errorf("thank-yous after the retry %q, want 1", got)
	}
	if n := len(autoTouches(t, f)); n != 1 {
		t.Errorf("%d touches after the retry, want 1", n)
	}
	po, err := f.store.OutreachOf(ctx, f.tid, "p_1", r.CreatedAt.UTC().Year())
	if err != nil || po.Total != 1 {
		t.Errorf("counted %+v, %v", po, err)
	}
}

// TestThanksWithinLimits: the outreach email limit per address holds for automatic thank-yous:
// past it the thank-you is refused (kept in the outbox with why) and no touch is logged.
func TestThanksWithinLimits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.store.PutAutoThanks(ctx, f.tid, true, false); err != nil {
		t.Fatal(err)
	}
	for range outreach.EmailsPerAddress {
		if ok, _, err := f.store.Take(ctx, store.Quota{Scope: outreach.ScopeAddress, Key: store.QuotaKey(f.tid, ids.EmailKey("doc@ref.example")),
			Limit: outreach.EmailsPerAddress, Per: store.Day}); err != nil || !ok {
			t.Fatalf("take: %v %v", ok, err)
		}
	}
	f.submit("doc@ref.example", "")
	if resp := f.handle(values(byReferral(t, f, 1))); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	if got := thanksTo(f, "doc@ref.example"); len(got) != 0 {
		t.Errorf("sent past the limit: %q", got)
	}
	if n := len(autoTouches(t, f)); n != 0 {
		t.Errorf("%d touches for a refused thank-you", n)
	}
}
