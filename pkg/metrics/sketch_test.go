package metrics

import (
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
)

// histories are random value sets of the shapes the metrics see: times to contact (minutes, a
// long right tail), form seconds (narrow), gaps between referrals (seconds, exponential, many
// zeros at one second's resolution), and log-uniform values across the whole tracked range.
func histories(rng *rand.Rand) map[string][]float64 {
	out := map[string][]float64{}
	for _, n := range []int{1, 2, 3, 10, 101, 1000, 20000} {
		var contact, form, gaps, wide, negative []float64
		for i := 0; i < n; i++ {
			contact = append(contact, math.Round(math.Exp(rng.NormFloat64()*1.2+7))) // median ~18 h
			form = append(form, float64(30+rng.Intn(150)))
			gaps = append(gaps, math.Round(rng.ExpFloat64()*120))
			wide = append(wide, math.Round(math.Exp(rng.Float64()*math.Log(MaxTracked))))
			negative = append(negative, math.Round(rng.NormFloat64()*500))
		}
		for name, v := range map[string][]float64{"contact": contact, "form": form, "gaps": gaps, "wide": wide, "negative": negative} {
			out[name+"/"+itoa(n)] = v
		}
	}
	return out
}

func itoa(n int) string { return time.Duration(n).String() }

func sketchOf(values []float64) Sketch {
	var s Sketch
	for _, v := range values {
		s.Add(v)
	}
	return s
}

func within(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > Accuracy*math.Abs(want)+1e-9 {
		t.Errorf("%s: %v, exact %v: off by %.3f%%, more than %.0f%%", what, got, want, 100*math.Abs(got-want)/math.Abs(want), 100*Accuracy)
	}
}

// Every percentile of random histories is within 1% of the exact value: each nearest-rank
// percentile 1..100, the median (the mean of the middle two for an even count) and every rank.
func TestSketchAccuracy(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for name, values := range histories(rng) {
		s := sketchOf(values)
		exact := append([]float64(nil), values...)
		sort.Float64s(exact)
		n := len(exact)
		if s.Count() != uint64(n) {
			t.Fatalf("%s: count %d, want %d", name, s.Count(), n)
		}
		for p := 1; p <= 100; p++ {
			rank := int(math.Ceil(float64(p) / 100 * float64(n)))
			got, _ := s.Percentile(float64(p))
			within(t, name+" p"+itoa(p), got, exact[max(rank, 1)-1])
		}
		med := exact[n/2]
		if n%2 == 0 {
			med = (exact[n/2-1] + exact[n/2]) / 2
		}
		got, _ := s.Median()
		if med >= 0 && exact[(n-1)/2] >= 0 || med < 0 && exact[n/2] < 0 { // same sign: the mean keeps the bound
			within(t, name+" median", got, med)
		}
		for r := 0; r < n; r += max(1, n/500) {
			got, _ := s.ValueAtRank(float64(r))
			within(t, name+" rank", got, exact[r])
		}
	}
}

// The sketch of a month is the merge of its day sketches, bin for bin, so its percentiles are
// within the same 1% of the exact percentiles of the union.
func TestSketchMergesAreTheUnion(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	var all []float64
	var merged Sketch
	for day := 0; day < 31; day++ {
		var values []float64
		for i := rng.Intn(400); i > 0; i-- {
			values = append(values, math.Round(math.Exp(rng.NormFloat64()*1.5+6)))
		}
		all = append(all, values...)
		merged.Merge(sketchOf(values))
	}
	union := sketchOf(all)
	if !merged.Equal(union) {
		t.Fatal("the merge of the day sketches differs from the sketch of the union")
	}
	sort.Float64s(all)
	for p := 1; p <= 100; p++ {
		got, _ := merged.Percentile(float64(p))
		within(t, "merged p"+itoa(p), got, all[int(math.Ceil(float64(p)/100*float64(len(all))))-1])
	}
	// Merging into a copy leaves the original alone.
	c := union.Clone()
	c.Add(5)
	if c.Equal(union) || c.Count() != union.Count()+1 {
		t.Fatal("clone shares bins")
	}
}

// The sketch is DDSketch's: with the same mapping (sketches-go's NewDefaultDDSketch at 1%), the
// same values give the same quantile at every q.
func TestSketchIsDDSketch(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for name, values := range histories(rng) {
		ours := sketchOf(values)
		ref, err := ddsketch.NewDefaultDDSketch(Accuracy)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			if err := ref.Add(v); err != nil {
				t.Fatal(err)
			}
		}
		if uint64(ref.GetCount()) != ours.Count() {
			t.Fatalf("%s: count %v vs %d", name, ref.GetCount(), ours.Count())
		}
		for q := 0.0; q <= 1; q += 0.005 {
			want, _ := ref.GetValueAtQuantile(q)
			got, _ := ours.Quantile(q)
			if got != want {
				t.Fatalf("%s: q%.3f: %v, sketches-go %v", name, q, got, want)
			}
		}
	}
}

func TestSketchEncoding(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for name, values := range histories(rng) {
		s := sketchOf(values)
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Sketch
		if err := back.UnmarshalBinary(b); err != nil || !back.Equal(s) {
			t.Fatalf("%s: round trip: %v", name, err)
		}
		again, _ := back.MarshalBinary()
		if string(again) != string(b) {
			t.Fatalf("%s: encoding is not deterministic", name)
		}
	}
	if b, _ := (Sketch{}).MarshalBinary(); b != nil {
		t.Fatal("an empty sketch encodes as nothing")
	}
	var s Sketch
	for _, bad := range [][]byte{{9}, {1}, {1, 0, 1}, {1, 0, 0, 0, 7}} {
		if err := s.UnmarshalBinary(bad); err == nil {
			t.Errorf("%v decoded", bad)
		}
	}
	// Bins bound the size, not the count: a million values over the whole range.
	var big Sketch
	for i := 0; i < 1_000_000; i++ {
		big.Add(math.Round(math.Exp(rng.Float64() * math.Log(MaxTracked))))
	}
	b, _ := big.MarshalBinary()
	if big.Bins() > 1100 || len(b) > 5000 {
		t.Fatalf("a sketch of a million values has %d bins, %d bytes", big.Bins(), len(b))
	}
	t.Logf("a million log-uniform values: %d bins, %d bytes", big.Bins(), len(b))
}

// A bucket's rhythm merges as its receipts do: the merge of day buckets has the gaps of the union.
func TestBucketMergeIsTheUnion(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var facts []Fact
	for i := 0; i < 3000; i++ {
		rec := start.Add(time.Duration(rng.Int63n(int64(60 * 24 * time.Hour))))
		contact := rec.Add(time.Duration(rng.Intn(5000)) * time.Minute)
		facts = append(facts, Fact{Source: []string{"a", "b"}[rng.Intn(2)], Kind: "provider", Received: rec, ContactBy: rec.Add(48 * time.Hour),
			FirstContact: &contact, FormMillis: int64(1000 + rng.Intn(100000))})
	}
	days := Rollup(facts, DayOf, start.AddDate(0, 0, 61))
	months := Rollup(facts, Month, start.AddDate(0, 0, 61))
	merged := map[string]map[string]*Bucket{}
	var dayKeys []string
	for d := range days {
		dayKeys = append(dayKeys, d)
	}
	sort.Strings(dayKeys) // in time order, as the rollup reads them
	for _, d := range dayKeys {
		at, _ := time.Parse(time.DateOnly, d)
		m := Month(at)
		if merged[m] == nil {
			merged[m] = map[string]*Bucket{}
		}
		for g, b := range days[d] {
			if merged[m][g] == nil {
				merged[m][g] = &Bucket{}
			}
			merged[m][g].Merge(*b)
		}
	}
	for m, groups := range months {
		for g, want := range groups {
			if got := merged[m][g]; got == nil || !got.Equal(*want) {
				t.Fatalf("%s %s: the merge of its days differs from the month", m, g)
			}
		}
	}
}
