package auth

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// ErrBadCursor is a list cursor that this signer did not give out for that tenant and list.
var ErrBadCursor = errors.New("bad cursor")

// cursorLabel derives the cursor key from the signing key (HKDF-SHA256): a key of its own, so a
// cursor's MAC can never stand for a session, a rating link or a patient code.
const cursorLabel = "referloop cursor v1"

// cursorMACBytes is the MAC's length in a cursor (128 bits).
const cursorMACBytes = 16

func (s *Signer) cursorKey(ctx context.Context) ([]byte, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	return hkdf.Key(sha256.New, key, nil, cursorLabel, 32)
}

func cursorMAC(key []byte, tenant, list, payload string) []byte {
	m := hmac.New(sha256.New, key)
	for _, part := range []string{tenant, list, payload} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return m.Sum(nil)[:cursorMACBytes]
}

// SealCursor signs a list's position (payload, the store's opaque key) for one tenant and one list
// (list names the query: which list, and its filters), as "<payload>.<mac>": a client can hand it
// back, but not change it, cut it or use it for another tenant or list.
func (s *Signer) SealCursor(ctx context.Context, tenant, list, payload string) (string, error) {
	if payload == "" {
		return "", nil
	}
	key, err := s.cursorKey(ctx)
	if err != nil {
		return "", err
	}
	return payload + "." + base64.RawURLEncoding.EncodeToString(cursorMAC(key, tenant, list, payload)), nil
}

// OpenCursor checks a cursor SealCursor gave out for the tenant and list and returns its payload;
// ErrBadCursor for any other.
func (s *Signer) OpenCursor(ctx context.Context, tenant, list, cursor string) (string, error) {
	payload, sig, ok := strings.Cut(cursor, ".")
	if !ok || payload == "" {
		return "", ErrBadCursor
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(mac) != cursorMACBytes {
		return "", ErrBadCursor
	}
	key, err := s.cursorKey(ctx)
	if err != nil {
		return "", err
	}
	if !hmac.Equal(mac, cursorMAC(key, tenant, list, payload)) {
		return "", ErrBadCursor
	}
	return payload, nil
}
