package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var testKey = StaticKey(strings.Repeat("k", 32))

func newSigner(now time.Time) *Signer {
	return &Signer{Issuer: "referloop", Audience: "portal", Source: testKey, Now: func() time.Time { return now }}
}

func TestIssueVerify(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := newSigner(now)
	tok, c, err := s.Issue(ctx, Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "e1"}, Tenant: "t_1", Role: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(ctx, tok)
	if err != nil || got.Tenant != "t_1" || got.Role != "owner" || got.CSRF != c.CSRF || got.ID == "" {
		t.Fatalf("Verify = %+v, %v", got, err)
	}

	// forge signs edited claims as a session (typ SessionType) unless the edit changes the header.
	forgeTyped := func(method jwt.SigningMethod, key any, typ any, mutate func(*Claims)) string {
		cc := c
		mutate(&cc)
		tk := jwt.NewWithClaims(method, &cc)
		if typ == nil {
			delete(tk.Header, "typ")
		} else {
			tk.Header["typ"] = typ
		}
		tok, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	forge := func(method jwt.SigningMethod, key any, mutate func(*Claims)) string {
		return forgeTyped(method, key, SessionType, mutate)
	}
	if _, err := s.Verify(ctx, forge(jwt.SigningMethodHS256, []byte(testKey), func(*Claims) {})); err != nil {
		t.Fatalf("a well-formed forged copy does not verify, so the cases below test nothing: %v", err)
	}
	cases := map[string]string{
		"expired":        tok,
		"other issuer":   forge(jwt.SigningMethodHS256, []byte(testKey), func(c *Claims) { c.Issuer = "evil" }),
		"other audience": forge(jwt.SigningMethodHS256, []byte(testKey), func(c *Claims) { c.Audience = jwt.ClaimStrings{"x"} }),
		"no expiry":      forge(jwt.SigningMethodHS256, []byte(testKey), func(c *Claims) { c.ExpiresAt = nil }),
		"other key":      forge(jwt.SigningMethodHS256, []byte(strings.Repeat("x", 32)), func(*Claims) {}),
		"HS512":          forge(jwt.SigningMethodHS512, []byte(testKey), func(*Claims) {}),
		"none":           forge(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, func(*Claims) {}),
		"no tenant":      forge(jwt.SigningMethodHS256, []byte(testKey), func(c *Claims) { c.Tenant = "" }),
		"no iat":         forge(jwt.SigningMethodHS256, []byte(testKey), func(c *Claims) { c.IssuedAt = nil }),
		"iat in future":  forge(jwt.SigningMethodHS256, []byte(testKey), func(c *Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour)) }),
		"typ JWT":        forgeTyped(jwt.SigningMethodHS256, []byte(testKey), "JWT", func(*Claims) {}),
		"no typ":         forgeTyped(jwt.SigningMethodHS256, []byte(testKey), nil, func(*Claims) {}),
		"typ not text":   forgeTyped(jwt.SigningMethodHS256, []byte(testKey), 1, func(*Claims) {}),
		"tampered":       tok[:len(tok)-2] + "xx",
		"garbage":        "not.a.jwt",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			v := s
			if name == "expired" {
				v = newSigner(now.Add(SessionTTL + time.Minute))
			}
			if _, err := v.Verify(ctx, tok); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestRatingTokensAndPatientCodes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := newSigner(now)
	tok, err := s.IssueRating(ctx, "t_1", "p_a.r_b.01ARZ3NDEKTSV4RRFFQ69G5FAV")
	if err != nil {
		t.Fatal(err)
	}
	if tid, id, err := s.VerifyRating(ctx, tok); err != nil || tid != "t_1" || id != "p_a.r_b.01ARZ3NDEKTSV4RRFFQ69G5FAV" {
		t.Fatalf("VerifyRating = %q %q %v", tid, id, err)
	}
	if _, err := s.Verify(ctx, tok); err == nil {
		t.Fatal("a rating token verified as a session")
	}
	sess, _, _ := s.Issue(ctx, Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "e"}, Tenant: "t_1", Role: "owner"})
	if _, _, err := s.VerifyRating(ctx, sess); err == nil {
		t.Fatal("a session verified as a rating token")
	}
	if _, _, err := newSigner(now.Add(RatingTTL+time.Hour)).VerifyRating(ctx, tok); err == nil {
		t.Fatal("expired rating token accepted")
	}

	c1, _ := s.PatientCode(ctx, "t_1", "ref-1")
	c2, _ := s.PatientCode(ctx, "t_1", "ref-1")
	c3, _ := s.PatientCode(ctx, "t_2", "ref-1")
	if c1 != c2 || c1 == c3 || len(c1) != 14 {
		t.Fatalf("codes %q %q %q", c1, c2, c3)
	}
	for in, want := range map[string]string{strings.ToLower(strings.ReplaceAll(c1, "-", "")): c1, " " + c1 + " ": c1,
		"oooo-iiii-llll": "0000-1111-1111"} {
		if got, ok := NormalizeCode(in); !ok || got != want {
			t.Errorf("NormalizeCode(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "ABC", "ABCD-EFGH-IJK!", "ABCD-EFGH-JKMN-P"} {
		if _, ok := NormalizeCode(bad); ok {
			t.Errorf("NormalizeCode(%q) accepted", bad)
		}
	}
}

func TestLinkCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		c := NewLinkCode()
		n, ok := NormalizeLinkCode(c)
		if !ok || n != c || len(c) != 9 || c[4] != '-' {
			t.Fatalf("NewLinkCode() = %q, normalized %q %v", c, n, ok)
		}
		seen[c] = true
	}
	if len(seen) < 199 {
		t.Fatalf("%d distinct codes of 200", len(seen))
	}
	for in, want := range map[string]string{"k7q2m9xd": "K7Q2-M9XD", " K7Q2 M9XD ": "K7Q2-M9XD", "oiL0-0000": "0110-0000"} {
		if got, ok := NormalizeLinkCode(in); !ok || got != want {
			t.Errorf("NormalizeLinkCode(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "K7Q2", "K7Q2-M9XDA", "K7Q2-M9X!", "K7Q2-M9XU"} {
		if _, ok := NormalizeLinkCode(bad); ok {
			t.Errorf("NormalizeLinkCode(%q) accepted", bad)
		}
	}
	if LinkCodeHash("a", "K7Q2-M9XD") == LinkCodeHash("b", "K7Q2-M9XD") {
		t.Error("a code hashes the same for two links")
	}
}
