package partner

import (
	"errors"
	"testing"

	"github.com/referloop/referloop/pkg/valid"
)

func TestValidNPI(t *testing.T) {
	for npi, want := range map[string]bool{
		"1234567893": true, "1245319599": true, "1234567890": false, "123456789": false, "12345678a3": false, "": false,
	} {
		if got := ValidNPI(npi); got != want {
			t.Errorf("ValidNPI(%q) = %v, want %v", npi, got, want)
		}
	}
}

func TestInputValidate(t *testing.T) {
	cases := []struct {
		name   string
		in     Input
		fields []string
	}{
		{"ok", Input{Name: "Northside Family Medicine", Kind: "pcp", NPI: "1234567893"}, nil},
		{"missing", Input{}, []string{"kind", "name"}},
		{"bad", Input{Name: "X", Kind: "wizard", NPI: "1234567890", ContactEmail: "nope"}, []string{"contactEmail", "kind", "npi"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.Normalize()
			err := c.in.Validate()
			var p struct{ Errors valid.Errors }
			if c.fields == nil {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if !errors.As(err, &p.Errors) || len(p.Errors) != len(c.fields) {
				t.Fatalf("got %v, want fields %v", err, c.fields)
			}
			for i, f := range c.fields {
				if p.Errors[i].Field != f {
					t.Errorf("field %d = %s, want %s", i, p.Errors[i].Field, f)
				}
			}
		})
	}
}
