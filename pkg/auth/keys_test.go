package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// secret stands for the stack's Secrets Manager secret: its current and previous versions, which a
// rotation moves, and a failure to read it.
type secret struct {
	mu    sync.Mutex
	keys  Keys
	err   error
	reads int
}

func (s *secret) SigningKey(ctx context.Context) ([]byte, error) {
	k, err := s.SigningKeys(ctx)
	return k.Current, err
}

func (s *secret) SigningKeys(context.Context) (Keys, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	return s.keys, s.err
}

// rotate makes a new current key; the old one becomes the previous (what put-secret-value does to
// the AWSCURRENT and AWSPREVIOUS stages).
func (s *secret) rotate(next string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = Keys{Current: []byte(strings.Repeat(next, 32)), Previous: s.keys.Current}
}

func (s *secret) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func signerOn(src KeySource, c *clock) *Signer {
	return &Signer{Issuer: "referloop", Audience: "portal", Source: src, Now: c.now}
}

func issue(t *testing.T, s *Signer) string {
	t.Helper()
	tok, _, err := s.Issue(context.Background(), Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "e1"}, Tenant: "t_1", Role: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestRotationLogsNobodyOut: after a rotation the sessions signed before it still verify (the
// previous key), in containers that read the secret before the rotation and after it; a container
// that still holds only the old key verifies a session a new container signed (the token's key id
// makes it read the secret again); two rotations later the oldest key is gone.
func TestRotationLogsNobodyOut(t *testing.T) {
	ctx := context.Background()
	sec := &secret{keys: Keys{Current: []byte(strings.Repeat("a", 32))}}
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	old := signerOn(sec, clk) // a warm container from before the rotation
	before := issue(t, old)
	if h := header(t, before); h["kid"] != KeyID([]byte(strings.Repeat("a", 32))) {
		t.Fatalf("a session's kid %v, want the current key's id", h["kid"])
	}

	sec.rotate("b")
	clk.add(time.Minute)
	fresh := signerOn(sec, clk) // a container started after the rotation
	if _, err := fresh.Verify(ctx, before); err != nil {
		t.Fatalf("a session signed before the rotation, in a new container: %v", err)
	}
	after := issue(t, fresh)
	if _, err := old.Verify(ctx, after); err != nil {
		t.Fatalf("a session signed with the new key, in a container that read the secret before the rotation: %v", err)
	}
	if _, err := old.Verify(ctx, before); err != nil {
		t.Fatalf("the old session in the old container after it read the secret again: %v", err)
	}
	rating, err := old.IssueRating(ctx, "t_1", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := fresh.VerifyRating(ctx, rating); err != nil {
		t.Fatalf("a rating link signed by the old container: %v", err)
	}

	// A token without a key id (signed before tokens carried one) is tried with every key held.
	legacy := func(key []byte) string {
		c := Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "e1", Issuer: "referloop", Audience: jwt.ClaimStrings{"portal"},
			IssuedAt: jwt.NewNumericDate(clk.t), ExpiresAt: jwt.NewNumericDate(clk.t.Add(time.Hour)), ID: "s_1"}, Tenant: "t_1", Role: "owner", CSRF: "c"}
		tk := jwt.NewWithClaims(jwt.SigningMethodHS256, &c)
		tk.Header["typ"] = SessionType
		s, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, k := range []string{"a", "b"} {
		if _, err := fresh.Verify(ctx, legacy([]byte(strings.Repeat(k, 32)))); err != nil {
			t.Errorf("a token without kid signed with key %q: %v", k, err)
		}
	}
	if _, err := fresh.Verify(ctx, legacy([]byte(strings.Repeat("z", 32)))); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("a token without kid signed with an unknown key: %v", err)
	}

	// Two rotations on, the first key verifies nothing; every container has read the secret since.
	sec.rotate("c")
	clk.add(KeyRefresh)
	if _, err := fresh.Verify(ctx, before); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("a session of the key two rotations old: %v, want invalid", err)
	}
	if _, err := fresh.Verify(ctx, after); err != nil {
		t.Errorf("a session of the previous key after the second rotation: %v", err)
	}
	if h := header(t, issue(t, old)); h["kid"] != KeyID([]byte(strings.Repeat("c", 32))) {
		t.Errorf("the old container signs with kid %v after KeyRefresh, want the newest key's", h["kid"])
	}
}

// TestUnknownKeyIDsDoNotHammerTheSecret: tokens naming a key nobody holds make a signer read the
// secret again at most every KeyRefetchEvery.
func TestUnknownKeyIDsDoNotHammerTheSecret(t *testing.T) {
	ctx := context.Background()
	sec := &secret{keys: Keys{Current: []byte(strings.Repeat("a", 32))}}
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	s := signerOn(sec, clk)
	other := signerOn(StaticKey(strings.Repeat("x", 32)), clk)
	forged := issue(t, other)
	for range 5 {
		if _, err := s.Verify(ctx, forged); !errors.Is(err, ErrInvalidSession) {
			t.Fatalf("a token of another key: %v", err)
		}
	}
	if sec.reads != 1 {
		t.Errorf("%d reads of the secret for 5 tokens of an unknown key in one instant, want 1", sec.reads)
	}
	clk.add(KeyRefetchEvery)
	if _, err := s.Verify(ctx, forged); !errors.Is(err, ErrInvalidSession) {
		t.Fatal(err)
	}
	if sec.reads != 2 {
		t.Errorf("%d reads after KeyRefetchEvery, want 2", sec.reads)
	}
}

// TestUnreadableKey: a signer that cannot read its key says so with ErrKeyUnavailable (never as an
// invalid session: the API answers 503, not 401); one that already holds keys keeps using them when
// a later read fails.
func TestUnreadableKey(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	sec := &secret{err: errors.New("AccessDeniedException: not authorized")}
	s := signerOn(sec, clk)
	good := issue(t, signerOn(StaticKey(strings.Repeat("a", 32)), clk))
	if err := s.Ready(ctx); !errors.Is(err, ErrKeyUnavailable) || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("Ready: %v", err)
	}
	if _, err := s.Verify(ctx, good); !errors.Is(err, ErrKeyUnavailable) {
		t.Errorf("Verify: %v", err)
	}
	if _, _, err := s.Issue(ctx, Claims{}); !errors.Is(err, ErrKeyUnavailable) {
		t.Errorf("Issue: %v", err)
	}
	if _, _, err := s.VerifyRating(ctx, good); !errors.Is(err, ErrKeyUnavailable) {
		t.Errorf("VerifyRating: %v", err)
	}
	if _, err := s.PatientCode(ctx, "t", "r"); !errors.Is(err, ErrKeyUnavailable) {
		t.Errorf("PatientCode: %v", err)
	}
	short := signerOn(StaticKey("short"), clk)
	if err := short.Ready(ctx); !errors.Is(err, ErrKeyUnavailable) {
		t.Errorf("a short key: %v", err)
	}

	sec.fail(nil)
	sec.keys = Keys{Current: []byte(strings.Repeat("a", 32))}
	if _, err := s.Verify(ctx, good); err != nil {
		t.Fatalf("once the secret is readable: %v", err)
	}
	sec.fail(errors.New("throttled"))
	clk.add(KeyRefresh)
	if _, err := s.Verify(ctx, good); err != nil {
		t.Errorf("a failed refresh with keys held: %v", err)
	}
	reads := sec.reads
	if _, err := s.Verify(ctx, good); err != nil || sec.reads != reads {
		t.Errorf("right after a failed refresh: %v, %d reads more", err, sec.reads-reads)
	}
}

func header(t *testing.T, tok string) map[string]any {
	t.Helper()
	p, _, err := jwt.NewParser().ParseUnverified(tok, &Claims{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Header
}
