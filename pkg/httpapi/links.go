package httpapi

import (
	"context"
	"crypto/hmac"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/store"
)

// Magic links: how a request's links are made and stored, bound to the browser that asked, checked
// with the email's code elsewhere, and how their email is sent so that the answer takes as long
// whether or not anything was sent.

// issueBatch stores links for email and purpose as one batch, the newest of its address and purpose
// (every older link of both stops working), and returns their URLs under origin in the order given.
// bind is the value of the asking browser's link cookie ("" when no browser asked, as for an
// invitation); bound links also take code, from the same email, in another browser. With no links
// it stores a decoy in their place (a link whose token is thrown away, under a marker of its own
// that touches no real link), so that a request for an address that gets nothing writes as much.
func (d *Deps) issueBatch(ctx context.Context, origin, email, purpose, bind, code string, links []store.Link) ([]string, error) {
	now := d.now()
	b := store.LinkBatch{ID: ids.Short("b_"), Email: email, Purpose: purpose, ExpiresAt: now.Add(auth.LinkTTL),
		Links: map[string]store.Link{}}
	if len(links) == 0 {
		b.Purpose = store.LinkDecoy
		links = []store.Link{{Purpose: store.LinkDecoy}}
	}
	urls := make([]string, 0, len(links))
	for _, l := range links {
		token := ids.Token(auth.TokenBytes)
		hash := ids.Hash(token)
		l.CreatedAt, l.ExpiresAt = now, b.ExpiresAt
		if bind != "" {
			l.BindHash = ids.Hash(bind)
			l.CodeHash = auth.LinkCodeHash(hash, code)
		}
		b.Links[hash] = l
		// The token goes in the fragment, which browsers never send to a server, so it stays out of
		// access logs.
		urls = append(urls, origin+"/auth#token="+token)
	}
	if err := d.Store.PutLinkBatch(ctx, b); err != nil {
		return nil, err
	}
	return urls, nil
}

// IssueLink stores a magic link for l, bound to no browser and a batch of its own, and returns its
// URL under origin.
func (d *Deps) IssueLink(ctx context.Context, origin string, l store.Link) (string, error) {
	urls, err := d.issueBatch(ctx, origin, l.Email, l.Purpose, "", "", []store.Link{l})
	if err != nil {
		return "", err
	}
	return urls[0], nil
}

// The link problems a confirmation may meet besides invalid-link.
var (
	codeRequired = problem.New(http.StatusUnauthorized, "code-required", "Enter the code from the email",
		"this link was asked for in another browser; enter the 8-character code printed under it in the same email")
	linkGone = problem.New(http.StatusUnauthorized, "invalid-link", "This link does not work",
		"it has expired or was already used; ask for a new one")
)

// peekLink reads the link of a token without spending it: invalid-link when the token cannot be a
// link's, is unknown, used or expired; ErrLinkSuperseded (problemFor) when a newer one was sent.
func (d *Deps) peekLink(ctx context.Context, token string) (string, store.Link, error) {
	token = strings.TrimSpace(token)
	if len(token) != 43 {
		return "", store.Link{}, linkGone
	}
	hash := ids.Hash(token)
	l, err := d.Store.PeekLink(ctx, hash)
	if store.IsNotFound(err) || err == nil && !signsIn(l.Purpose) {
		return "", l, linkGone
	}
	return hash, l, err
}

// needsCode reports whether a link is bound to a browser other than the request's (or the request
// has no link cookie): then it signs in only with its email's code.
func (d *Deps) needsCode(r *http.Request, l store.Link) bool {
	if l.BindHash == "" {
		return false
	}
	got := auth.LinkCookieValue(r, !d.InsecureCookies)
	return got == "" || !hmac.Equal([]byte(ids.Hash(got)), []byte(l.BindHash))
}

// checkCode lets a bound link through in its own browser, or elsewhere with its email's code. A
// code's try is counted first, atomically (refused once store.MaxCodeTries are spent), and only then
// compared, in constant time; a wrong code does not spend the link (its own browser can still use it).
func (d *Deps) checkCode(ctx context.Context, r *http.Request, hash string, l store.Link, code string) error {
	if !d.needsCode(r, l) {
		return nil
	}
	if strings.TrimSpace(code) == "" {
		return codeRequired
	}
	c, ok := auth.NormalizeLinkCode(code)
	if !ok {
		return problem.Invalid("code", "must be the 8-character code from the email, like K7Q2-M9XD")
	}
	tries, err := d.Store.CountCodeTry(ctx, hash)
	if store.IsNotFound(err) {
		return linkGone
	} else if err != nil {
		return err
	}
	if !hmac.Equal([]byte(auth.LinkCodeHash(hash, c)), []byte(l.CodeHash)) {
		p := problem.New(http.StatusUnauthorized, "wrong-code", "That code is not right",
			"check the 8-character code under the link in the same email")
		p.Extensions = map[string]any{"triesLeft": max(0, store.MaxCodeTries-tries)}
		return p
	}
	return nil
}

// sendLinkMail sends a sign-in or sign-up email and records how long the send took. A send that
// fails (SES refusing the recipient, say) is logged, without the address, and the request is
// answered as if it had been sent: the answer is the one an unknown address gets.
func (d *Deps) sendLinkMail(ctx context.Context, r *http.Request, m notify.Message) {
	start := time.Now()
	err := d.Mailer.Send(ctx, m)
	d.mailTimes.record(time.Since(start))
	if err != nil {
		// Providers' errors are scrubbed by their adapters; the address is blanked here as well.
		d.log().Warn("link email not sent", "route", r.Pattern, "error", strings.ReplaceAll(err.Error(), m.To, "<recipient>"))
	}
}

// mailTimes keeps how long the last link emails of this container took to send, so that a request
// that sends nothing waits as long as one that does (a duration drawn from the same recent sends):
// the time of the answer tells nothing of whether the address is known.
type mailTimes struct {
	mu   sync.Mutex
	last [64]time.Duration
	n, i int
}

// defaultMailTime is what a request that sends nothing waits before this container has sent any
// link email (about what SES's SendEmail takes within a region).
const defaultMailTime = 60 * time.Millisecond

func (m *mailTimes) record(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last[m.i] = d
	m.i = (m.i + 1) % len(m.last)
	m.n = min(m.n+1, len(m.last))
}

// wait takes as long as a recent send did (or ends with ctx).
func (m *mailTimes) wait(ctx context.Context) {
	m.mu.Lock()
	d := defaultMailTime
	if m.n > 0 {
		d = m.last[rand.IntN(m.n)]
	}
	m.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// signsIn reports whether a link of purpose signs someone in (a decoy does not).
func signsIn(purpose string) bool {
	switch purpose {
	case store.LinkSignup, store.LinkSignin, store.LinkInvite, store.LinkJoin:
		return true
	}
	return false
}
