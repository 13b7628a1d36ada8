package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/notify"
)

// fakeMailer stands in for SES: it takes delay per message, and fail (when set) decides whether SES
// refuses one. Whatever it is asked to send goes to the env's recorder first.
type fakeMailer struct {
	rec   *notify.Recorder
	delay time.Duration
	fail  func(notify.Message) error
}

func (f *fakeMailer) Send(ctx context.Context, m notify.Message) error {
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if f.fail != nil {
		if err := f.fail(m); err != nil {
			return err
		}
	}
	return f.rec.Send(ctx, m)
}

// logBuffer collects what the handlers log (JSON lines).
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// steppingClock moves the store's clock a rate-limit window on at each call of next, so that a test
// can make many link requests without meeting the per-address and per-IP limits.
type steppingClock struct {
	base time.Time
	step atomic.Int64
}

func (c *steppingClock) now() time.Time {
	return c.base.Add(time.Duration(c.step.Load()) * 16 * time.Minute)
}
func (c *steppingClock) next() { c.step.Add(1) }

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// TestOnlyTheNewestLinkWorks: of the links asked for one address (and purpose), only the newest one
// signs in; the older ones answer 401 invalid-link.
func TestOnlyTheNewestLinkWorks(t *testing.T) {
	e := newEnv(t)
	e.practice("Newest Clinic", "owner@newest.example")
	// A new rate-limit window, so that the 5 links an address may have per window are all asked for.
	at := time.Now().Add(16 * time.Minute)
	e.store.Now = func() time.Time { return at }
	e.deps.Now = e.store.Now
	browser := e.client()
	var tokens []string
	for i := 0; i < 5; i++ {
		if r := browser.do("POST", "/v1/auth/links", map[string]string{"email": "owner@newest.example"}); r.status != 202 {
			t.Fatalf("link %d: %d %s", i, r.status, r.raw)
		}
		tokens = append(tokens, e.lastToken("owner@newest.example"))
	}
	live := 0
	for i, tok := range tokens {
		r := browser.do("POST", "/v1/auth/sessions", map[string]string{"token": tok})
		if r.status == 200 {
			live++
			if i != len(tokens)-1 {
				t.Errorf("link %d of %d (not the newest) signed in", i+1, len(tokens))
			}
		} else if r.status != 401 || !strings.HasSuffix(r.body["type"].(string), "/invalid-link") {
			t.Errorf("link %d: %d %s", i+1, r.status, r.raw)
		}
	}
	t.Logf("live links of %d asked for one address: %d", len(tokens), live)
	if live != 1 {
		t.Fatalf("%d of %d links signed in, want only the newest", live, len(tokens))
	}
}

// TestLinkRequestTimingDoesNotTellKnownAddresses: asking a link for a known and for an unknown
// address takes the same time (medians of 50 each within 10%), for staff and for a practice's
// referrers, with a mailer that takes as long as SES does. It runs alone (not in parallel with the
// package's other tests); on a busy machine a round may still meet noise, so each case gets up to
// three rounds of 50 + 50 and passes when one of them is within 10% (before the fix every round was
// off by 40-180%).
func TestLinkRequestTimingDoesNotTellKnownAddresses(t *testing.T) {
	e := newSerialEnv(t)
	owner := e.practice("Timing Clinic", "owner@timing.example")
	e.referrer(owner, "Timing Family Medicine", "dr.t@timing-fm.example")
	e.deps.Mailer = &fakeMailer{rec: e.mail, delay: 15 * time.Millisecond}
	clock := &steppingClock{base: time.Now()}
	e.store.Now = clock.now
	anon := e.client()
	ask := func(body map[string]string) time.Duration {
		clock.next()
		start := time.Now()
		if r := anon.do("POST", "/v1/auth/links", body); r.status != 202 {
			t.Fatalf("%v: %d %s", body, r.status, r.raw)
		}
		return time.Since(start)
	}
	for _, c := range []struct {
		name           string
		known, unknown map[string]string
	}{
		{"staff", map[string]string{"email": "owner@timing.example"}, map[string]string{"email": "nobody@timing.example"}},
		{"referrer", map[string]string{"email": "dr.t@timing-fm.example", "practice": "timing-clinic"},
			map[string]string{"email": "nobody@timing-fm.example", "practice": "timing-clinic"}},
	} {
		for i := 0; i < 5; i++ { // warm up
			ask(c.known)
			ask(c.unknown)
		}
		var rounds []string
		for round := 0; round < 5; round++ { // a loaded machine slows both alike, but not every round
			var known, unknown []time.Duration
			for i := 0; i < 50; i++ {
				if i%2 == 0 {
					known = append(known, ask(c.known))
					unknown = append(unknown, ask(c.unknown))
				} else {
					unknown = append(unknown, ask(c.unknown))
					known = append(known, ask(c.known))
				}
			}
			mk, mu := median(known), median(unknown)
			rounds = append(rounds, fmt.Sprintf("known %.1f ms, unknown %.1f ms", float64(mk.Microseconds())/1000, float64(mu.Microseconds())/1000))
			t.Logf("%s, round %d: medians %s", c.name, round+1, rounds[len(rounds)-1])
			hi, lo := max(mk, mu), min(mk, mu)
			if float64(hi-lo) <= 0.10*float64(hi) {
				rounds = nil
				break
			}
		}
		if rounds != nil {
			t.Errorf("%s: medians differ by more than 10%% in every round: %s", c.name, strings.Join(rounds, "; "))
		}
	}
}

// TestRefusedRecipientAnswersLikeAnyAddress: when SES refuses to send a sign-in link to a known
// address, the answer is the same 202 as for an unknown one, and the failure is logged without the
// address.
func TestRefusedRecipientAnswersLikeAnyAddress(t *testing.T) {
	e := newEnv(t)
	e.practice("Refused Clinic", "owner@refused.example")
	logs := &logBuffer{}
	e.deps.Log = slog.New(slog.NewJSONHandler(logs, nil))
	e.deps.Mailer = &fakeMailer{rec: e.mail, fail: func(m notify.Message) error {
		return errors.New("ses: MessageRejected")
	}}
	anon := e.client()
	known := anon.do("POST", "/v1/auth/links", map[string]string{"email": "owner@refused.example"})
	unknown := anon.do("POST", "/v1/auth/links", map[string]string{"email": "nobody@refused.example"})
	t.Logf("refused known address: %d; unknown address: %d", known.status, unknown.status)
	if known.status != 202 || known.raw != unknown.raw {
		t.Fatalf("refused known address answered %d %s; an unknown one %d %s", known.status, known.raw, unknown.status, unknown.raw)
	}
	out := logs.String()
	if !strings.Contains(out, "MessageRejected") {
		t.Errorf("the refusal is not logged: %s", out)
	}
	if strings.Contains(out, "owner@refused.example") || strings.Contains(out, "refused.example") {
		t.Errorf("the log names the address: %s", out)
	}
}

// codeIn is the link code a mail to `to` gives (XXXX-XXXX).
func (e *env) codeIn(to string) string {
	e.t.Helper()
	sent := e.mail.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].To != to {
			continue
		}
		if m := linkCode.FindStringSubmatch(sent[i].Text); m != nil {
			return m[1]
		}
	}
	e.t.Fatalf("no link code mailed to %s", to)
	return ""
}

var linkCode = regexp.MustCompile(`code when asked: ([0-9A-Z]{4}-[0-9A-Z]{4})`)

// TestLinkBoundToTheAskingBrowser: a link asked for in one browser signs in there with a click; in
// another browser (no link cookie, or another one) it asks for the code printed in the same email. A
// wrong code does not spend the link but counts a try; after 5 the code no longer works, while the
// asking browser can still use the link. The preview names the account and the practice without
// spending the link.
func TestLinkBoundToTheAskingBrowser(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Bound Clinic", "owner@bound.example")
	_, _ = e.referrer(owner, "Bound Family Medicine", "dr.b@bound-fm.example")
	asker := e.client()
	if r := asker.do("POST", "/v1/auth/links", map[string]string{"email": "dr.b@bound-fm.example", "practice": "bound-clinic"}); r.status != 202 {
		t.Fatalf("link: %d %s", r.status, r.raw)
	}
	token, code := e.lastToken("dr.b@bound-fm.example"), e.codeIn("dr.b@bound-fm.example")

	// The preview, in the asking browser and in another one.
	p := asker.do("POST", "/v1/auth/link-previews", map[string]string{"token": token})
	if p.status != 200 || p.body["email"] != "dr.b@bound-fm.example" || p.body["role"] != "referrer" || p.body["codeRequired"] != false ||
		p.body["practice"].(map[string]any)["name"] != "Bound Clinic" || p.body["partner"].(map[string]any)["name"] != "Bound Family Medicine" {
		t.Fatalf("preview in the asking browser: %d %s", p.status, p.raw)
	}
	other := e.client()
	if p := other.do("POST", "/v1/auth/link-previews", map[string]string{"token": token}); p.status != 200 || p.body["codeRequired"] != true {
		t.Fatalf("preview in another browser: %d %s", p.status, p.raw)
	}

	// Another browser: no code, a malformed one, wrong ones.
	if r := other.do("POST", "/v1/auth/sessions", map[string]string{"token": token}); r.status != 401 || !strings.HasSuffix(r.body["type"].(string), "/code-required") {
		t.Fatalf("no code: %d %s", r.status, r.raw)
	}
	if r := other.do("POST", "/v1/auth/sessions", map[string]string{"token": token, "code": "12"}); r.status != 422 || fmt.Sprint(r.fields()) != "[code]" {
		t.Fatalf("malformed code: %d %s", r.status, r.raw)
	}
	wrong := "0000-0000"
	if code == wrong {
		wrong = "0000-0001"
	}
	r := other.do("POST", "/v1/auth/sessions", map[string]string{"token": token, "code": wrong})
	if r.status != 401 || !strings.HasSuffix(r.body["type"].(string), "/wrong-code") || r.body["triesLeft"] != float64(4) {
		t.Fatalf("wrong code: %d %s", r.status, r.raw)
	}
	// The right code, typed loosely, signs in the other browser.
	loose := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	if r := other.do("POST", "/v1/auth/sessions", map[string]string{"token": token, "code": loose}); r.status != 200 {
		t.Fatalf("right code: %d %s", r.status, r.raw)
	}

	// A second link: 5 wrong codes lock its code, even the right one then fails, in parallel too;
	// the asking browser still signs in with a click.
	asker.do("POST", "/v1/auth/links", map[string]string{"email": "dr.b@bound-fm.example", "practice": "bound-clinic"})
	token, code = e.lastToken("dr.b@bound-fm.example"), e.codeIn("dr.b@bound-fm.example")
	var wg sync.WaitGroup
	var passed atomic.Int32
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := e.client().do("POST", "/v1/auth/sessions", map[string]string{"token": token, "code": wrong}); r.status == 200 {
				passed.Add(1)
			}
		}()
	}
	wg.Wait()
	if passed.Load() != 0 {
		t.Fatal("a wrong code signed in")
	}
	r = e.client().do("POST", "/v1/auth/sessions", map[string]string{"token": token, "code": code})
	if r.status != 401 || !strings.HasSuffix(r.body["type"].(string), "/invalid-link") {
		t.Fatalf("the right code after 5 wrong ones: %d %s", r.status, r.raw)
	}
	if r := asker.do("POST", "/v1/auth/sessions", map[string]string{"token": token}); r.status != 200 || r.body["user"].(map[string]any)["role"] != "referrer" {
		t.Fatalf("the asking browser after the code locked: %d %s", r.status, r.raw)
	}
	// A signed-in link's cookie is cleared.
	for _, ck := range asker.http.Jar.Cookies(mustURL(e.srv.URL)) {
		if ck.Name == auth.LinkCookieNoTLS {
			t.Errorf("the link cookie is still set after signing in")
		}
	}
}

// TestRefusedInvitationAnswersAsSent: SES refusing an invitee (every unverified address in SES's
// sandbox) leaves the invitation pending, to resend or revoke, and answers as if it had gone; the
// refusal is logged without the address.
func TestRefusedInvitationAnswersAsSent(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Refusing Clinic", "owner@refusing.example")
	logs := &logBuffer{}
	e.deps.Log = slog.New(slog.NewJSONHandler(logs, nil))
	e.deps.Mailer = &fakeMailer{rec: e.mail, fail: func(m notify.Message) error {
		if strings.HasSuffix(m.To, "@sandboxed.example") {
			return errors.New("ses: MessageRejected")
		}
		return nil
	}}
	owner.addMember("lee@sandboxed.example", "Lee", "staff") // fails the test unless 201
	if s := owner.state("/v1/members", "lee@sandboxed.example"); s != "pending" {
		t.Errorf("the member whose invitation SES refused is %q, want pending", s)
	}
	owner.invite("Sandboxed Clinic", "dr@sandboxed.example") // fails the test unless 202
	out := logs.String()
	if strings.Count(out, "MessageRejected") != 2 {
		t.Errorf("the refusals are not both logged: %s", out)
	}
	if strings.Contains(out, "sandboxed.example") {
		t.Errorf("the log names the address: %s", out)
	}
	for _, m := range e.mail.Sent() {
		if strings.HasSuffix(m.To, "@sandboxed.example") {
			t.Errorf("a refused email was recorded as sent to %s", m.To)
		}
	}
}
