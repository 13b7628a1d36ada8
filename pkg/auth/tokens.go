package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/referloop/referloop/pkg/ids"
)

// RatingTTL is how long a rating link in a closing email works.
const RatingTTL = 30 * 24 * time.Hour

// ratingAudience keeps rating tokens and session tokens apart: neither verifies as the other.
const ratingAudience = "referloop-rating"

// RatingClaims name the referral a rating link rates.
type RatingClaims struct {
	jwt.RegisteredClaims
	Tenant string `json:"tid"`
}

// IssueRating signs a rating link token for one referral of a tenant.
func (s *Signer) IssueRating(ctx context.Context, tenant, referralID string) (string, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	now := s.now().Truncate(time.Second)
	c := RatingClaims{Tenant: tenant, RegisteredClaims: jwt.RegisteredClaims{Issuer: s.Issuer, Subject: referralID,
		Audience: jwt.ClaimStrings{ratingAudience}, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(RatingTTL)),
		ID: ids.Short("g_")}}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, &c)
	t.Header["kid"] = KeyID(key)
	return t.SignedString(key)
}

// VerifyRating checks a rating token (HS256, issuer, rating audience, expiry) and returns its tenant
// and referral.
func (s *Signer) VerifyRating(ctx context.Context, token string) (tenant, referralID string, err error) {
	var c RatingClaims
	err = s.parse(ctx, token, &c, ratingAudience, false)
	if errors.Is(err, ErrKeyUnavailable) {
		return "", "", err
	}
	if err != nil || c.Tenant == "" || c.Subject == "" {
		return "", "", ErrInvalidSession
	}
	return c.Tenant, c.Subject, nil
}

// PatientCode derives a referral's status code for its patient: 12 Crockford base32 characters
// (60 bits) from an HMAC of the referral under the signing key, shown as XXXX-XXXX-XXXX. Deriving it
// means it is never stored: the table keeps only its hash, yet the notifier can tell it to the patient.
func (s *Signer) PatientCode(ctx context.Context, tenant, referralID string) (string, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("patient-code\x00" + tenant + "\x00" + referralID))
	sum := mac.Sum(nil)
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b strings.Builder
	for i := 0; i < 12; i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[sum[i]&31])
	}
	return b.String(), nil
}

// NormalizeCode reads a code as a patient may type it (any case, with or without dashes or
// spaces, O for 0, I/L for 1); ok is false when it cannot be a code.
func NormalizeCode(s string) (string, bool) {
	c, ok := normalizeCrockford(s, 12)
	if !ok {
		return "", false
	}
	return c[0:4] + "-" + c[4:8] + "-" + c[8:12], true
}

// CodeHash is the table key of a (normalized) patient code.
func CodeHash(code string) string { return ids.Hash("code:" + code) }

// LinkCodeLen is the length of a magic link's code (40 bits; a link takes store.MaxCodeTries wrong
// codes, so a guess succeeds with odds of 5 in 2^40).
const LinkCodeLen = 8

// NewLinkCode makes the code an email gives beside its links, for opening a link in a browser
// other than the one that asked for it: 8 Crockford base32 characters, shown as XXXX-XXXX.
func NewLinkCode() string {
	b := make([]byte, LinkCodeLen)
	_, _ = rand.Read(b)
	var s strings.Builder
	for i, c := range b {
		if i == LinkCodeLen/2 {
			s.WriteByte('-')
		}
		s.WriteByte(crockford[c&31])
	}
	return s.String()
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NormalizeLinkCode reads a link code as a person may type it (any case, with or without the dash or
// spaces, O for 0, I/L for 1); ok is false when it cannot be a code.
func NormalizeLinkCode(s string) (string, bool) {
	c, ok := normalizeCrockford(s, LinkCodeLen)
	if !ok {
		return "", false
	}
	return c[:4] + "-" + c[4:], true
}

// LinkCodeHash is what a link stores of its (normalized) code: a hash bound to the link's own token
// hash, so a code is worth nothing for another link.
func LinkCodeHash(linkHash, code string) string {
	return ids.Hash("link-code\x00" + linkHash + "\x00" + code)
}

func normalizeCrockford(s string, n int) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if !strings.ContainsRune(crockford, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != n {
		return "", false
	}
	return b.String(), true
}
