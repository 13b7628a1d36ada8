package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// TestCursors: a sealed cursor opens for its tenant and list only; changed, cut or re-signed with
// the signing key itself (not the derived cursor key) it does not.
func TestCursors(t *testing.T) {
	s := newSigner(time.Now())
	ctx := context.Background()
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"PK":"T#t_1#REF","SK":"x"}`))
	c, err := s.SealCursor(ctx, "t_1", "referrals/queue?status=", payload)
	if err != nil || !strings.HasPrefix(c, payload+".") {
		t.Fatalf("SealCursor: %q, %v", c, err)
	}
	if got, err := s.OpenCursor(ctx, "t_1", "referrals/queue?status=", c); err != nil || got != payload {
		t.Fatalf("OpenCursor: %q, %v", got, err)
	}
	if empty, _ := s.SealCursor(ctx, "t_1", "l", ""); empty != "" {
		t.Fatalf("the end of a list seals as %q", empty)
	}
	raw, _ := s.signingKey(ctx)
	m := hmac.New(sha256.New, raw)
	m.Write([]byte("t_1\x00referrals/queue?status=\x00" + payload + "\x00"))
	withSigningKey := payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:cursorMACBytes])
	for name, try := range map[string][3]string{
		"another tenant":           {"t_2", "referrals/queue?status=", c},
		"another list":             {"t_1", "referrals/queue?status=received", c},
		"cut":                      {"t_1", "referrals/queue?status=", c[:len(c)-2]},
		"no MAC":                   {"t_1", "referrals/queue?status=", payload},
		"another payload":          {"t_1", "referrals/queue?status=", "e30" + c[len(payload):]},
		"signed with the raw key":  {"t_1", "referrals/queue?status=", withSigningKey},
		"empty":                    {"t_1", "referrals/queue?status=", "."},
		"a MAC that is not base64": {"t_1", "referrals/queue?status=", payload + ".!!!!"},
	} {
		if _, err := s.OpenCursor(ctx, try[0], try[1], try[2]); err != ErrBadCursor {
			t.Errorf("%s: %v, want ErrBadCursor", name, err)
		}
	}
}
