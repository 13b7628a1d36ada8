package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// BirthDateCheck is what a patient status code's marker keeps to check a date of birth against:
// an HMAC of the date keyed with the (normalized) code itself. The code is never stored (the table
// keys it by CodeHash), so the check tells nothing about the date to anyone without the code, and a
// lookup compares it without reading the referral: a wrong answer costs the same store work
// whether the code is known or not.
func BirthDateCheck(code, dateOfBirth string) string {
	m := hmac.New(sha256.New, []byte("birth-date\x00"+code))
	m.Write([]byte(dateOfBirth))
	return hex.EncodeToString(m.Sum(nil))
}
