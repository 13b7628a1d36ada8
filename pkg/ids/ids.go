// Package ids makes and checks the identifiers Referloop uses: ULIDs for referrals (time-ordered,
// made by the client as the Idempotency-Key), short random ids for tenants, partners and referrers,
// and the secret random tokens of magic links and patient codes.
package ids

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var crockfordIndex = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for i, c := range crockford {
		t[c] = int8(i)
		t[strings.ToLower(string(c))[0]] = int8(i)
	}
	return t
}()

// ErrBadULID reports a string that is not a ULID.
var ErrBadULID = errors.New("not a ULID")

// NewULID returns a ULID for time t with 80 random bits.
func NewULID(t time.Time) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	_, _ = rand.Read(b[6:])
	return encodeULID(b)
}

func encodeULID(b [16]byte) string {
	// 128 bits → 26 base32 characters; the first carries 3 bits.
	hi := binary.BigEndian.Uint64(b[0:8])
	lo := binary.BigEndian.Uint64(b[8:16])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// ParseULID checks s and returns its canonical (upper-case) form and its time.
func ParseULID(s string) (string, time.Time, error) {
	if len(s) != 26 || crockfordIndex[s[0]] < 0 || crockfordIndex[s[0]] > 7 {
		return "", time.Time{}, ErrBadULID
	}
	var ms uint64
	for i := 0; i < 26; i++ {
		v := crockfordIndex[s[i]]
		if v < 0 {
			return "", time.Time{}, ErrBadULID
		}
		if i < 10 {
			ms = ms<<5 | uint64(v)
		}
	}
	return strings.ToUpper(s), time.UnixMilli(int64(ms)).UTC(), nil
}

// Short returns a random identifier: prefix + 12 lower-case base32 characters (60 bits).
func Short(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	n := binary.BigEndian.Uint64(b[:])
	var out [12]byte
	for i := range out {
		out[i] = strings.ToLower(crockford)[n&31]
		n >>= 5
	}
	return prefix + string(out[:])
}

// Token returns a secret of n random bytes, base64url without padding.
func Token(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash is the hex SHA-256 of s: what is stored instead of a secret token.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// EmailKey is the key of an email address in the table: a hash of its normalized form, so keys and
// indexes never carry the address itself.
func EmailKey(email string) string {
	return Hash(NormalizeEmail(email))[:32]
}

// NormalizeEmail lower-cases and trims an address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
