package phone

import (
	"sync"
	"testing"
)

// BenchmarkFirstParse: the first Parse after the process starts (a Lambda's first request that
// reads a number): the metadata read (gunzip, JSON) and the patterns the number needs compiled.
// It forgets the loaded metadata and the compiled patterns before each Parse.
func BenchmarkFirstParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		loadOnce, loaded = sync.Once{}, nil
		regexps.Clear()
		if _, err := Parse("(201) 555-0123", "US"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse: a Parse once the metadata and the number's patterns are in memory.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for _, c := range []struct{ name, typed, country string }{{"US", "(201) 555-0123", "US"}, {"GB", "+44 20 7946 0958", "US"}} {
		b.Run(c.name, func(b *testing.B) {
			Parse(c.typed, c.country)
			for i := 0; i < b.N; i++ {
				if _, err := Parse(c.typed, c.country); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFirstUseLoads: the first Parse reads the metadata and compiles only the patterns its number
// needs (TestMain checks that importing the package did neither).
func TestFirstUseLoads(t *testing.T) {
	loadOnce, loaded = sync.Once{}, nil
	regexps.Clear()
	if _, err := Parse("+44 20 7946 0958", "US"); err != nil {
		t.Fatal(err)
	}
	if loaded == nil {
		t.Fatal("Parse did not load the metadata")
	}
	n, territories := 0, 0
	regexps.Range(func(_, _ any) bool { n++; return true })
	loaded.decoded.Range(func(_, _ any) bool { territories++; return true })
	if n == 0 || n > 40 {
		t.Errorf("%d patterns compiled for one number, want a few (only the ones it needs)", n)
	}
	if territories != 2 {
		t.Errorf("%d territories decoded for a GB number read in the US, want 2", territories)
	}
	t.Logf("one Parse compiled %d patterns, decoded %d territories", n, territories)
}
