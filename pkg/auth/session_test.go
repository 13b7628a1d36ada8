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

	forge := func(method jwt.SigningMethod, key any, mutate func(*Claims)) string {
		cc := c
		mutate(&cc)
		tok, err := jwt.NewWithClaims(method, &cc).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
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
