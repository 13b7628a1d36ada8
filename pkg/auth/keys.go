package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrKeyUnavailable is a signing key that could not be read (Secrets Manager unreachable or refusing,
// a key too short). Nothing the caller did: the API answers 503 and logs it, and spends nothing.
var ErrKeyUnavailable = errors.New("signing key unavailable")

var errUnknownKey = errors.New("token signed with a key this signer does not hold")

// Keys are the keys a signer holds: Current signs every new token; Current and Previous verify. A
// rotation makes a new current key and keeps the one before it as Previous, so every token signed
// before the rotation still verifies until it expires (sessions last 12 hours, rating links 30
// days: rotate no more often than that).
type Keys struct {
	Current  []byte
	Previous []byte // nil when there was no rotation yet
}

// All lists the keys that verify, the current one first.
func (k Keys) All() [][]byte {
	if len(k.Previous) == 0 {
		return [][]byte{k.Current}
	}
	return [][]byte{k.Current, k.Previous}
}

// ByID is the held key whose KeyID is id, or nil.
func (k Keys) ByID(id string) []byte {
	for _, key := range k.All() {
		if KeyID(key) == id {
			return key
		}
	}
	return nil
}

// KeyID names a key in a token's "kid" header without revealing anything of it: 8 characters of a
// SHA-256 of the key.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("referloop-kid\x00"), key...))
	return base64.RawURLEncoding.EncodeToString(sum[:6])
}

// KeyringSource is a KeySource that also knows the previous key of a rotation (the stack's
// Secrets Manager secret: its AWSCURRENT and AWSPREVIOUS versions).
type KeyringSource interface {
	SigningKeys(ctx context.Context) (Keys, error)
}

// StaticKeys are a current and a previous key known at start (tests of a rotation).
type StaticKeys Keys

func (k StaticKeys) SigningKey(context.Context) ([]byte, error)   { return k.Current, nil }
func (k StaticKeys) SigningKeys(context.Context) (Keys, error)    { return Keys(k), nil }
func (k StaticKey) SigningKeys(ctx context.Context) (Keys, error) { return Keys{Current: k}, nil }

// How long a signer keeps the keys it read: it reads them again after KeyRefresh (so a rotation
// reaches every warm container within that time and a container never signs with a key two
// rotations old), and at most every KeyRefetchEvery when a token names a key it does not hold (one
// signed by a container that read the secret after a rotation).
const (
	KeyRefresh      = 10 * time.Minute
	KeyRefetchEvery = 30 * time.Second
)

// keyCache holds a signer's keys. A failed refresh keeps the keys already held (the secret being
// briefly unreachable does not stop a warm container); only a signer that holds no key yet fails.
type keyCache struct {
	mu      sync.Mutex
	keys    *Keys
	fetched time.Time
}

func (c *keyCache) get(ctx context.Context, src KeySource, now time.Time) (Keys, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys != nil && now.Sub(c.fetched) < KeyRefresh {
		return *c.keys, nil
	}
	return c.fetchLocked(ctx, src, now)
}

// refetch reads the keys again unless they were read less than KeyRefetchEvery ago.
func (c *keyCache) refetch(ctx context.Context, src KeySource, now time.Time) (Keys, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys != nil && now.Sub(c.fetched) < KeyRefetchEvery {
		return *c.keys, nil
	}
	return c.fetchLocked(ctx, src, now)
}

func (c *keyCache) fetchLocked(ctx context.Context, src KeySource, now time.Time) (Keys, error) {
	ks, err := readKeys(ctx, src)
	if err != nil {
		if c.keys != nil {
			// Try again in KeyRefetchEvery, not on every request.
			c.fetched = now.Add(KeyRefetchEvery - KeyRefresh)
			return *c.keys, nil
		}
		return Keys{}, err
	}
	c.keys, c.fetched = &ks, now
	return ks, nil
}

func readKeys(ctx context.Context, src KeySource) (Keys, error) {
	if src == nil {
		return Keys{}, fmt.Errorf("%w: no key source", ErrKeyUnavailable)
	}
	var ks Keys
	var err error
	if ring, ok := src.(KeyringSource); ok {
		ks, err = ring.SigningKeys(ctx)
	} else {
		ks.Current, err = src.SigningKey(ctx)
	}
	if err != nil {
		return Keys{}, fmt.Errorf("%w: %v", ErrKeyUnavailable, err)
	}
	if len(ks.Current) < 32 {
		return Keys{}, fmt.Errorf("%w: the key is shorter than 32 bytes", ErrKeyUnavailable)
	}
	if len(ks.Previous) < 32 {
		ks.Previous = nil // a previous key too short to sign with is no key to verify with either
	}
	return ks, nil
}
