package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/infra/streamfeed"
	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/notifier"
	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/store"
)

// env is every API function mounted on one test server over a fresh DynamoDB Local table.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	store  *store.Store
	mail   *notify.Recorder
	deps   *httpapi.Deps
	feeder *streamfeed.Feeder
	notify *notifier.Notifier
}

func newEnv(t *testing.T) *env {
	t.Helper()
	t.Parallel()
	return newSerialEnv(t)
}

// newSerialEnv is newEnv for a test that does not run in parallel with the package's others (Go
// runs those after it): for timings.
func newSerialEnv(t *testing.T) *env {
	t.Helper()
	db, table := dynamotest.NewTable(t)
	e := &env{t: t, store: store.New(db, table), mail: &notify.Recorder{}}
	// RequestTimeout: every test of the package shares one DynamoDB Local on a small, shared machine,
	// where a request can wait longer than Lambda's deadline would let it; the deadline's own
	// behaviour is tested on its own (edge_test.go, failures_test.go).
	e.deps = &httpapi.Deps{Store: e.store, Mailer: e.mail, InsecureCookies: true, Log: slog.New(slog.DiscardHandler),
		Signer:         &auth.Signer{Issuer: "https://referloop.dev", Audience: "referloop-portal", Source: auth.StaticKey(strings.Repeat("s", 32))},
		RequestTimeout: time.Minute}
	mux := http.NewServeMux()
	for _, build := range httpapi.Builders {
		api := build(e.deps)
		h := api.Handler()
		for _, r := range api.Routes {
			mux.Handle(r.Pattern(), h)
		}
	}
	e.srv = httptest.NewServer(peers(mux))
	e.deps.Origin = e.srv.URL
	t.Cleanup(e.srv.Close)
	reader, err := streamfeed.Open(context.Background(), dynamotest.Endpoint(t), table)
	if err != nil {
		t.Fatal(err)
	}
	n := &notifier.Notifier{Store: e.store, Mailer: e.mail, SMS: e.mail, Signer: e.deps.Signer, Origin: e.srv.URL,
		Log: slog.New(slog.DiscardHandler)}
	e.feeder = &streamfeed.Feeder{Reader: reader, Handler: n.Handle}
	e.notify = n
	return e
}

// peerHeader names the address a test request comes from (API Gateway's source IP in Lambda, the
// peer here): the test server takes it as the request's remote address, so a test can act as many
// callers without the per-address limits counting them as one.
const peerHeader = "X-Test-Peer"

func peers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.Header.Get(peerHeader); p != "" {
			r.RemoteAddr = p + ":1"
			r.Header.Del(peerHeader)
		}
		next.ServeHTTP(w, r)
	})
}

// pump runs the notifier over what the table's stream holds now, as Lambda would.
func (e *env) pump() {
	e.t.Helper()
	if err := e.feeder.Poll(context.Background()); err != nil {
		e.t.Fatalf("notifier: %v", err)
	}
}

// client is one browser: its own cookie jar and CSRF token.
type client struct {
	e    *env
	http *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r resp) fields() []string {
	var out []string
	list, _ := r.body["errors"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		f, _ := m["field"].(string)
		out = append(out, f)
	}
	return out
}

func (c *client) csrf() string {
	u, _ := url.Parse(c.e.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == auth.CSRFCookie {
			return ck.Value
		}
	}
	return ""
}

// do sends a request; body is JSON-encoded unless it is a string (sent as is). Signed-in clients
// send their CSRF token on state-changing requests, as the portal does.
func (c *client) do(method, path string, body any, headers ...string) resp {
	c.e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.e.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := c.csrf(); tok != "" && method != http.MethodGet {
		req.Header.Set(auth.CSRFHeader, tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	if res.StatusCode >= 500 {
		c.e.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return r
}

// lastLink is the newest magic link mailed to an address, as its token.
func (e *env) lastToken(to string) string {
	e.t.Helper()
	sent := e.mail.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].To == to {
			idx := strings.LastIndex(sent[i].Text, "#token=")
			if idx < 0 {
				continue
			}
			return strings.Fields(sent[i].Text[idx+len("#token="):])[0]
		}
	}
	e.t.Fatalf("no link mailed to %s", to)
	return ""
}

func (e *env) mailsTo(to string) int {
	n := 0
	for _, m := range e.mail.Sent() {
		if m.To == to {
			n++
		}
	}
	return n
}

// practice signs up a practice and returns its owner's signed-in client.
func (e *env) practice(name, owner string) *client {
	e.t.Helper()
	c := e.client()
	if r := c.do("POST", "/v1/practices", map[string]string{"practiceName": name, "email": owner}); r.status != 202 {
		e.t.Fatalf("sign-up: %d %s", r.status, r.raw)
	}
	if r := c.do("POST", "/v1/auth/sessions", map[string]string{"token": e.lastToken(owner)}); r.status != 200 {
		e.t.Fatalf("confirm: %d %s", r.status, r.raw)
	}
	return c
}

// referrer adds a partner through the owner, invites email, and signs that referrer in.
func (e *env) referrer(owner *client, partnerName, email string) (*client, string) {
	e.t.Helper()
	r := owner.do("POST", "/v1/partners", map[string]string{"name": partnerName, "kind": "pcp"})
	if r.status != 201 {
		e.t.Fatalf("partner: %d %s", r.status, r.raw)
	}
	pid := r.body["id"].(string)
	if r := owner.do("POST", "/v1/partners/"+pid+"/invitations", map[string]string{"email": email, "name": "Dr. " + email}); r.status != 202 {
		e.t.Fatalf("invite: %d %s", r.status, r.raw)
	}
	c := e.client()
	if r := c.do("POST", "/v1/auth/sessions", map[string]string{"token": e.lastToken(email)}); r.status != 200 {
		e.t.Fatalf("referrer confirm: %d %s", r.status, r.raw)
	}
	return c, pid
}

func submission(reason string) map[string]any {
	return map[string]any{
		"patient": map[string]any{"firstName": "Ana", "lastName": "Silva", "dateOfBirth": "1980-04-02",
			"phone": "+1 415 555 0142", "consentToContact": true},
		"reason": reason, "urgency": "routine",
	}
}

func (c *client) submit(reason string) (resp, string) {
	key := ids.NewULID(time.Now())
	return c.do("POST", "/v1/referrals", submission(reason), "Idempotency-Key", key), key
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// tenantOf is the practice id of a signed-in client.
func tenantOf(c *client) string {
	return c.do("GET", "/v1/me", nil).body["practice"].(map[string]any)["id"].(string)
}

// try sends a request and returns its status and body, without failing on a 5xx (for tests that
// count them).
func (c *client) try(method, path string) (int, string) {
	c.e.t.Helper()
	req, _ := http.NewRequest(method, c.e.srv.URL+path, nil)
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, b.String()
}
