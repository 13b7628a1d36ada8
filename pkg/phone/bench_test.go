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
	for _, c := range []struct{ name, typed, country string }{{"US", "(201) 555-0123", "US"}, {"GB", "+44 20 7946 0958", "US"}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
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

// TestConcurrentFirstUse: 16 goroutines reading numbers of 6 countries at once from a fresh
// process state (the metadata loaded once, territories decoded and patterns compiled under
// contention) get the answers one goroutine gets; 20 trials, meant for -race.
func TestConcurrentFirstUse(t *testing.T) {
	inputs := []struct{ typed, country string }{{"(201) 555-0123", "US"}, {"+44 20 7946 0958", "US"}, {"030 123456", "DE"},
		{"+1 613 555 0142", "US"}, {"+882345678901", "GB"}, {"020 7946 0958", "GB"}, {"+61 2 9374 4000", "US"}, {"555-0100", "US"}}
	want := make([]Number, len(inputs))
	for i, in := range inputs {
		want[i], _ = Parse(in.typed, in.country)
	}
	for trial := 0; trial < 20; trial++ {
		loadOnce, loaded = sync.Once{}, nil
		regexps.Clear()
		var wg sync.WaitGroup
		errs := make(chan string, 16*len(inputs))
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for k := range inputs {
					i := (g + k) % len(inputs)
					if got, _ := Parse(inputs[i].typed, inputs[i].country); got != want[i] {
						errs <- inputs[i].typed
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Errorf("trial %d: %q read differently under contention", trial, e)
		}
	}
}
