package awsenv

import (
	"regexp"
	"testing"
)

// The hand-written checks accept exactly what the regular expressions they replace accepted.
func TestShapesMatchTheirPatterns(t *testing.T) {
	checks := []struct {
		name    string
		check   func(string) bool
		pattern string
	}{
		{"tableName", tableName, `^[A-Za-z0-9_.-]{3,255}$`},
		{"email", email, `^[^@\s]+@[^@\s]+$`},
		{"secretID", secretID, `^(arn:\S+|[A-Za-z0-9/_+=.@-]+)$`},
		{"originTok", originTok, `^[A-Za-z0-9_-]{32,}$`},
		{"region", region, `^[A-Z]{2}$`},
	}
	long := func(c byte, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = c
		}
		return string(b)
	}
	inputs := []string{"", "a", "ab", "abc", "US", "us", "USA", "U1", "referloop-Table-1ABC", "my table", "a/b", "a.b_c-d",
		long('a', 255), long('a', 256), "no-reply@referloop.example", "@x", "x@", "a@b@c", "a b@c", "a@b c", "a@b\tc",
		"arn:", "arn:aws:secretsmanager:us-east-1:123:secret:K-1", "arn:a b", "my key", "name/with+=.@-", "näme",
		long('Z', 31), long('Z', 32), long('Z', 32) + "_-", long('Z', 32) + "!", "Zk3q9XbV0pLmN2rT7yWc4hGd8sJf1eKa6uQo5iBx"}
	for _, c := range checks {
		re := regexp.MustCompile(c.pattern)
		for _, in := range inputs {
			if got, want := c.check(in), re.MatchString(in); got != want {
				t.Errorf("%s(%q) = %v, the pattern says %v", c.name, in, got, want)
			}
		}
	}
}
