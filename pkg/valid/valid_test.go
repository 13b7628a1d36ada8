package valid

import (
	"fmt"
	"testing"
)

func TestFields(t *testing.T) {
	cases := []struct {
		name   string
		add    func(*Fields)
		want   Errors
		errMsg string
	}{
		{"none", func(*Fields) {}, nil, ""},
		{"one", func(f *Fields) { f.Add("b", "is required") }, Errors{{"b", "is required"}}, "1 field needs attention"},
		{"sorted", func(f *Fields) { f.Addf("z", "max %d", 3); f.Add("a", "x") }, Errors{{"a", "x"}, {"z", "max 3"}}, "2 fields need attention"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f Fields
			c.add(&f)
			err := f.Err()
			if c.want == nil {
				if err != nil {
					t.Fatalf("want nil, got %v", err)
				}
				return
			}
			got, ok := As(fmt.Errorf("wrapped: %w", err))
			if !ok || fmt.Sprint(got) != fmt.Sprint(c.want) || err.Error() != c.errMsg {
				t.Fatalf("got %v (%v), want %v", got, err, c.want)
			}
		})
	}
	if _, ok := As(fmt.Errorf("plain")); ok {
		t.Fatal("a plain error is not field errors")
	}
}

func TestText(t *testing.T) {
	cases := []struct {
		name, v  string
		multi    bool
		required bool
		ok       bool
	}{
		{"plain", "Dr. Mei Chen", false, true, true},
		{"accents and emoji-free scripts", "Zoë Ångström 李小龍", false, true, true},
		{"empty optional", "", false, false, true},
		{"empty required", "", false, true, false},
		{"too long", string(make([]byte, 11)), false, false, false},
		{"NUL", "a\x00b", false, false, false},
		{"ESC", "a\x1b[31mb", false, false, false},
		{"RLO", "invoice\u202Etxt.exe", false, false, false},
		{"zero width space", "a\u200Bb", false, false, false},
		{"header injection", "Clinic\r\nBcc: victim@evil.example", false, false, false},
		{"LF on one line", "a\nb", false, false, false},
		{"tab on one line", "a\tb", false, false, false},
		{"note with lines", "line one\nline two\r\nthree", true, false, true},
		{"note with lone CR", "a\rb", true, false, false},
		{"note with NUL", "a\n\x00", true, false, false},
		{"invalid UTF-8", "a\xffb", false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f Fields
			if c.multi {
				f.Lines("x", c.v, 50, c.required)
			} else {
				max := 40
				if c.name == "too long" {
					max = 10
				}
				f.Line("x", c.v, max, c.required)
			}
			if f.Empty() != c.ok {
				t.Fatalf("%q: ok=%v, want %v (%v)", c.v, f.Empty(), c.ok, f.Err())
			}
		})
	}
}
