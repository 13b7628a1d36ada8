// Package auth holds sessions (signed JWTs in cookies), CSRF tokens and magic-link secrets.
package auth

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/referloop/referloop/pkg/ids"
)

// Cookie names. The session cookie is HttpOnly; the CSRF cookie is read by the portal's script and
// echoed in the X-CSRF-Token header (a signed double submit: the token is also a claim of the JWT).
// The link cookie binds a magic link to the browser that asked for it: HttpOnly, and on HTTPS named
// with the __Host- prefix (Secure, Path=/, no Domain: no sibling subdomain can set or read it). The
// plain-HTTP local stack cannot set a __Host- cookie (it requires Secure), so there it goes without
// the prefix, as the other two cookies go without Secure.
const (
	SessionCookie    = "rl_session"
	CSRFCookie       = "rl_csrf"
	CSRFHeader       = "X-CSRF-Token"
	LinkCookie       = "__Host-rl_link"
	LinkCookieNoTLS  = "rl_link"
	linkCookieTokenN = 32
)

// LinkCookieName is the link cookie's name on HTTPS (secure) or on the plain-HTTP local stack.
func LinkCookieName(secure bool) string {
	if secure {
		return LinkCookie
	}
	return LinkCookieNoTLS
}

// Session lifetimes and magic-link rules. A session lasts SessionTTL at most; it also ends after a
// time without use: IdleStaff for the practice's owner and staff (they see every referral's PHI),
// IdleReferrer for referrers (who see only their own). The last use is recorded at most every
// TouchEvery, so a session ends between Idle-TouchEvery and Idle after its last use.
const (
	SessionTTL   = 12 * time.Hour
	IdleStaff    = 30 * time.Minute
	IdleReferrer = 8 * time.Hour
	TouchEvery   = 5 * time.Minute
	LinkTTL      = 15 * time.Minute
	TokenBytes   = 32
)

// IdleLimit is how long a session of role may go unused.
func IdleLimit(role string) time.Duration {
	if role == "referrer" {
		return IdleReferrer
	}
	return IdleStaff
}

// SessionType is the JWT "typ" header of a session token (explicit typing, RFC 8725 §3.11): a
// session verifies only with it, so no other JWT signed with the key (a rating token) can pass as one.
const SessionType = "rl-session+jwt"

// ErrInvalidSession is any session token that does not verify.
var ErrInvalidSession = errors.New("invalid session")

// Claims are what a session carries. The tenant comes only from here, never from a request.
type Claims struct {
	jwt.RegisteredClaims
	Tenant   string `json:"tid"`
	Role     string `json:"role"`
	Partner  string `json:"pid,omitempty"`
	Referrer string `json:"rid,omitempty"`
	CSRF     string `json:"csrf"`
	// Who the session is for, so a submit needs no extra read to name its referrer.
	Email       string `json:"email,omitempty"`
	Name        string `json:"name,omitempty"`
	PartnerName string `json:"pname,omitempty"`
}

// SessionID is the session's own id (the JWT id); Subject is the person's email key.
func (c *Claims) SessionID() string { return c.ID }

// KeySource yields the signing key. It is asked lazily, on the first request that needs it, so a
// cold start makes no network call.
type KeySource interface {
	SigningKey(ctx context.Context) ([]byte, error)
}

// StaticKey is a key known at start (local stack, tests).
type StaticKey []byte

func (k StaticKey) SigningKey(context.Context) ([]byte, error) { return k, nil }

// Signer issues and verifies session JWTs: HS256 only, issuer, audience and expiry required. It signs
// with the current key and verifies with the current and the previous one (see Keys), so a rotation
// logs nobody out.
type Signer struct {
	Issuer   string
	Audience string
	Source   KeySource
	Now      func() time.Time

	keys keyCache
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Ready fetches the signing keys if they are not held yet: ErrKeyUnavailable when they cannot be
// read. A handler that spends something (a magic link) before it signs asks first.
func (s *Signer) Ready(ctx context.Context) error {
	_, err := s.keys.get(ctx, s.Source, s.now())
	return err
}

func (s *Signer) signingKey(ctx context.Context) ([]byte, error) {
	ks, err := s.keys.get(ctx, s.Source, s.now())
	if err != nil {
		return nil, err
	}
	return ks.Current, nil
}

// Issue signs a new session for the given identity; it fills the id, CSRF token and times.
func (s *Signer) Issue(ctx context.Context, c Claims) (string, Claims, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", c, err
	}
	now := s.now().Truncate(time.Second)
	c.Issuer = s.Issuer
	c.Audience = jwt.ClaimStrings{s.Audience}
	c.IssuedAt = jwt.NewNumericDate(now)
	c.NotBefore = jwt.NewNumericDate(now)
	c.ExpiresAt = jwt.NewNumericDate(now.Add(SessionTTL))
	c.ID = ids.Short("s_")
	c.CSRF = ids.Token(18)
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, &c)
	t.Header["typ"] = SessionType
	t.Header["kid"] = KeyID(key)
	tok, err := t.SignedString(key)
	return tok, c, err
}

var errSessionType = errors.New("not a session token")

// Verify parses a session token, accepting only HS256 with typ SessionType, our issuer and audience,
// an issue time not in the future and a future expiry (both required), and decoding strictly. The
// token's key id picks the key (the current or the previous one); a token without one is tried with
// each. ErrKeyUnavailable when the keys cannot be read (not the caller's fault: answered 503).
func (s *Signer) Verify(ctx context.Context, token string) (*Claims, error) {
	var c Claims
	err := s.parse(ctx, token, &c, s.Audience, true, jwt.WithLeeway(30*time.Second))
	if errors.Is(err, ErrKeyUnavailable) {
		return nil, err
	}
	if err != nil || c.IssuedAt == nil || c.Tenant == "" || c.Role == "" || c.Subject == "" || c.ID == "" || c.CSRF == "" {
		return nil, ErrInvalidSession
	}
	return &c, nil
}

// parse verifies token into claims with the signer's keys: HS256, issuer, audience, expiry and issue
// time required, strict decoding; session tokens must be typed SessionType.
func (s *Signer) parse(ctx context.Context, token string, claims jwt.Claims, audience string, session bool, opts ...jwt.ParserOption) error {
	ks, err := s.keys.get(ctx, s.Source, s.now())
	if err != nil {
		return err
	}
	var keyErr error
	_, err = jwt.NewParser(append([]jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(s.Issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithStrictDecoding(),
		jwt.WithTimeFunc(s.now),
	}, opts...)...).ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); session && typ != SessionType {
			return nil, errSessionType
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			set := jwt.VerificationKeySet{}
			for _, k := range ks.All() {
				set.Keys = append(set.Keys, k)
			}
			return set, nil
		}
		if k := ks.ByID(kid); k != nil {
			return k, nil
		}
		// A key this container has not seen: the secret was rotated since it read it (another
		// container signed with the new key). Read the keys again, at most every KeyRefetchEvery.
		fresh, err := s.keys.refetch(ctx, s.Source, s.now())
		if err != nil {
			keyErr = err
			return nil, err
		}
		if k := fresh.ByID(kid); k != nil {
			return k, nil
		}
		return nil, errUnknownKey
	})
	if keyErr != nil && errors.Is(keyErr, ErrKeyUnavailable) {
		return keyErr
	}
	return err
}

// SetCookies writes the session and CSRF cookies. secure is false only on the plain-HTTP local stack.
func SetCookies(w http.ResponseWriter, token string, c Claims, secure bool) {
	maxAge := int(time.Until(c.ExpiresAt.Time).Seconds())
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: c.CSRF, Path: "/", MaxAge: maxAge,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

// SetLinkCookie binds the links of a request to this browser: a random value (the one the browser
// already holds, if any, so that links asked for two addresses in one browser both stay bound to
// it), kept as long as a link lives, sent back only to this site's own requests (SameSite=Strict),
// never to a script. It returns the value; the links store its hash.
func SetLinkCookie(w http.ResponseWriter, r *http.Request, secure bool) string {
	v := LinkCookieValue(r, secure)
	if len(v) != base64.RawURLEncoding.EncodedLen(linkCookieTokenN) {
		v = ids.Token(linkCookieTokenN)
	}
	http.SetCookie(w, &http.Cookie{Name: LinkCookieName(secure), Value: v, Path: "/", MaxAge: int(LinkTTL.Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	return v
}

// LinkCookieValue is the link cookie the request carries, or "".
func LinkCookieValue(r *http.Request, secure bool) string {
	if ck, err := r.Cookie(LinkCookieName(secure)); err == nil {
		return ck.Value
	}
	return ""
}

// ClearLinkCookie removes the link cookie (once its link has signed in).
func ClearLinkCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: LinkCookieName(secure), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

// ClearCookies removes both cookies.
func ClearCookies(w http.ResponseWriter, secure bool) {
	for _, n := range []string{SessionCookie, CSRFCookie} {
		http.SetCookie(w, &http.Cookie{Name: n, Value: "", Path: "/", MaxAge: -1, HttpOnly: n == SessionCookie,
			Secure: secure, SameSite: http.SameSiteLaxMode})
	}
}

// CheckCSRF reports whether a state-changing request carries the session's CSRF token.
func CheckCSRF(r *http.Request, c *Claims) bool {
	got := r.Header.Get(CSRFHeader)
	return got != "" && hmac.Equal([]byte(got), []byte(c.CSRF))
}
