package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/store"
)

// flakyKey is a signing key source that fails until it is fixed (Secrets Manager refusing the
// function's role, say).
type flakyKey struct {
	mu  sync.Mutex
	err error
}

func (k *flakyKey) SigningKey(context.Context) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err != nil {
		return nil, k.err
	}
	return []byte(strings.Repeat("s", 32)), nil
}

func (k *flakyKey) set(err error) { k.mu.Lock(); k.err = err; k.mu.Unlock() }

// lockedBuffer is a log the handlers may write while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// raw sends a request and returns its status and body whatever they are (client.do fails on 5xx).
func (c *client) raw(method, path string, body any) (int, map[string]any, string) {
	c.e.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.e.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := c.csrf(); tok != "" && method != http.MethodGet {
		req.Header.Set(auth.CSRFHeader, tok)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return res.StatusCode, m, string(b)
}

// TestUnreadableKeyAnswers503AndSpendsNoLink: when the signing key cannot be read, confirming a
// magic link answers 503 (logged, with the request id and without the address) and leaves the link
// unspent, so the same link signs in once the key is readable; a signed-in request answers 503,
// not 401, and signing out does not pretend to have ended the session.
func TestUnreadableKeyAnswers503AndSpendsNoLink(t *testing.T) {
	e := newEnv(t)
	key := &flakyKey{}
	var logs lockedBuffer
	e.deps.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	e.deps.Signer = &auth.Signer{Issuer: "https://referloop.dev", Audience: "referloop-portal", Source: key}
	key.set(errors.New("AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue"))

	const owner = "owner@keyless.example"
	c := e.client()
	if r := c.do("POST", "/v1/practices", map[string]string{"practiceName": "Keyless Clinic", "email": owner}); r.status != 202 {
		t.Fatalf("sign-up: %d %s", r.status, r.raw)
	}
	token := e.lastToken(owner)
	status, body, raw := c.raw("POST", "/v1/auth/sessions", map[string]string{"token": token})
	if status != 503 || body["type"] != problem.TypeBase+"unavailable" {
		t.Fatalf("confirming with the key unreadable: %d %s, want 503 unavailable", status, raw)
	}
	if l := logs.String(); !strings.Contains(l, `"level":"ERROR"`) || !strings.Contains(l, "AccessDeniedException") ||
		!strings.Contains(l, `"requestId":`) || strings.Contains(l, owner) {
		t.Errorf("the 503 is not logged with its cause and request id, or names the address:\n%s", l)
	}

	key.set(nil)
	if r := c.do("POST", "/v1/auth/sessions", map[string]string{"token": token}); r.status != 200 {
		t.Fatalf("the same link once the key is readable: %d %s (it was spent by the failed try)", r.status, r.raw)
	}
	if r := c.do("GET", "/v1/me", nil); r.status != 200 {
		t.Fatalf("signed in: %d %s", r.status, r.raw)
	}

	// A container that cannot read the key (a new Signer holds none yet).
	e.deps.Signer = &auth.Signer{Issuer: "https://referloop.dev", Audience: "referloop-portal", Source: key}
	key.set(errors.New("RequestTimeout"))
	if status, body, raw := c.raw("GET", "/v1/me", nil); status != 503 || body["type"] != problem.TypeBase+"unavailable" {
		t.Errorf("a signed-in request with the key unreadable: %d %s, want 503 (not 401: the session is fine)", status, raw)
	}
	if status, _, raw := c.raw("DELETE", "/v1/auth/sessions/current", nil); status != 503 {
		t.Errorf("signing out with the key unreadable: %d %s, want 503 (the session was not ended)", status, raw)
	}
	key.set(nil)
	if r := c.do("GET", "/v1/me", nil); r.status != 200 {
		t.Errorf("after the failed sign-out the session still works: %d %s", r.status, r.raw)
	}
}

// TestHungDynamoDBAnswers503InTime: when DynamoDB does not answer, the request's context ends
// AnswerReserve before the invocation's deadline and the function answers its own 503 problem (and
// logs it) instead of Lambda killing it at its timeout.
func TestHungDynamoDBAnswers503InTime(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); hung.Close() })
	db := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", RetryMaxAttempts: 3, BaseEndpoint: aws.String(hung.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
	var logs lockedBuffer
	d := &httpapi.Deps{Store: store.New(db, "referloop"), Log: slog.New(slog.NewJSONHandler(&logs, nil)),
		Signer: &auth.Signer{Issuer: "https://referloop.dev", Audience: "referloop-portal", Source: auth.StaticKey(strings.Repeat("s", 32))}}
	h := httpapi.Auth(d).Handler()

	const lambdaTimeout = 3 * time.Second // the invocation's deadline, as aws-lambda-go sets it
	ctx, cancel := context.WithTimeout(context.Background(), lambdaTimeout)
	defer cancel()
	req := httptest.NewRequest("GET", "/v1/practices/lakeside-physical-therapy/profile", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(w, req)
	took := time.Since(start)
	if w.Code != 503 || !strings.Contains(w.Body.String(), problem.TypeBase+"unavailable") ||
		w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("with DynamoDB hung: %d %s %q", w.Code, w.Body, w.Header().Get("Content-Type"))
	}
	if took > lambdaTimeout-httpapi.AnswerReserve+time.Second || ctx.Err() != nil {
		t.Errorf("answered after %v, with %v left of the invocation; want before its deadline, with about %v to spare",
			took, time.Until(start.Add(lambdaTimeout)), httpapi.AnswerReserve)
	}
	if l := logs.String(); !strings.Contains(l, `"status":503`) || !strings.Contains(l, "deadline exceeded") {
		t.Errorf("the 503 is not logged:\n%s", l)
	}
}
