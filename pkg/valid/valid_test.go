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
