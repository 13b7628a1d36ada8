package metrics

import (
	"encoding/binary"
	"errors"
	"math"
	"sort"
)

// Accuracy is the relative accuracy of every quantile the metrics report: a median or 90th
// percentile read from a Sketch is within 1% of the exact value of the same rank.
const Accuracy = 0.01

// The sketch's logarithmic index mapping, as DDSketch's (github.com/DataDog/sketches-go,
// mapping.NewLogarithmicMapping(Accuracy)): bin i holds the values in [γ^i, γ^(i+1)), and reads as
// γ^i·(1+α), within α of every value in it.
var (
	gamma      = (1 + Accuracy) / (1 - Accuracy)
	multiplier = 1 / math.Log(gamma)
	// relAcc is sketches-go's RelativeAccuracy(): α, as the mapping computes it.
	relAcc = 1 - 2/(1+gamma)
)

// MaxTracked bounds the magnitude a sketch tracks (larger values count as MaxTracked): with values
// from 1 up (whole minutes or seconds) a sketch has at most ~1,040 bins a side, whatever the count.
const MaxTracked = 1e9

// Sketch is a DDSketch (Masson, Rim and Lee, VLDB 2019): a count per logarithmic bin. Two
// sketches merge by adding their bins, so the merge of day sketches is the sketch of the union,
// bin for bin; its size depends on the spread of the values (at most ~1,040 bins a side), never on
// their number. Counts are whole numbers.
//
// It is sketches-go's DDSketch with the same mapping, kept here because that module links
// google.golang.org/protobuf into every binary that imports it (its reflection keeps every exported
// method alive: +9.6 MB per Lambda bootstrap); sketch_test.go holds the two to the same bins and
// quantiles.
//
// A Sketch owns its maps: copy one with Clone before changing the copy.
type Sketch struct {
	pos, neg map[int]uint64
	zero     uint64
}

// index is the bin of a value > 0 (sketches-go's LogarithmicMapping.Index).
func index(v float64) int {
	i := math.Log(v) * multiplier
	if i >= 0 {
		return int(i)
	}
	return int(i) - 1
}

// binValue is what bin i reads as (LogarithmicMapping.Value).
func binValue(i int) float64 { return math.Exp(float64(i)/multiplier) * (1 + relAcc) }

// Add counts one value.
func (s *Sketch) Add(v float64) { s.AddN(v, 1) }

// AddN counts n values v.
func (s *Sketch) AddN(v float64, n uint64) {
	if n == 0 || math.IsNaN(v) {
		return
	}
	v = math.Max(-MaxTracked, math.Min(MaxTracked, v))
	switch {
	case v > 0:
		if s.pos == nil {
			s.pos = map[int]uint64{}
		}
		s.pos[index(v)] += n
	case v < 0:
		if s.neg == nil {
			s.neg = map[int]uint64{}
		}
		s.neg[index(-v)] += n
	default:
		s.zero += n
	}
}

// Bin is the bin a value falls in: Zero, or its side and index. Counters kept outside a Sketch (an
// item's attributes) use it to add to the same bins.
type Bin struct {
	Zero     bool
	Negative bool
	Index    int
}

// BinOf is the bin of v.
func BinOf(v float64) Bin {
	v = math.Max(-MaxTracked, math.Min(MaxTracked, v))
	switch {
	case v > 0:
		return Bin{Index: index(v)}
	case v < 0:
		return Bin{Negative: true, Index: index(-v)}
	}
	return Bin{Zero: true}
}

// AddBin counts n values into bin b.
func (s *Sketch) AddBin(b Bin, n uint64) {
	switch {
	case n == 0:
	case b.Zero:
		s.zero += n
	case b.Negative:
		if s.neg == nil {
			s.neg = map[int]uint64{}
		}
		s.neg[b.Index] += n
	default:
		if s.pos == nil {
			s.pos = map[int]uint64{}
		}
		s.pos[b.Index] += n
	}
}

// Merge adds o's bins to s.
func (s *Sketch) Merge(o Sketch) {
	s.zero += o.zero
	for i, n := range o.pos {
		if s.pos == nil {
			s.pos = make(map[int]uint64, len(o.pos))
		}
		s.pos[i] += n
	}
	for i, n := range o.neg {
		if s.neg == nil {
			s.neg = make(map[int]uint64, len(o.neg))
		}
		s.neg[i] += n
	}
}

// Clone is a copy that shares nothing with s.
func (s Sketch) Clone() Sketch {
	var c Sketch
	c.Merge(s)
	return c
}

// Count is how many values the sketch holds.
func (s Sketch) Count() uint64 {
	n := s.zero
	for _, c := range s.pos {
		n += c
	}
	for _, c := range s.neg {
		n += c
	}
	return n
}

// Bins is how many bins hold a value (the zero bin counts as one).
func (s Sketch) Bins() int {
	n := len(s.pos) + len(s.neg)
	if s.zero > 0 {
		n++
	}
	return n
}

// Empty reports whether the sketch holds no value.
func (s Sketch) Empty() bool { return s.Count() == 0 }

// Equal reports whether two sketches hold the same bins.
func (s Sketch) Equal(o Sketch) bool {
	return s.zero == o.zero && sameBins(s.pos, o.pos) && sameBins(s.neg, o.neg)
}

func sameBins(a, b map[int]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i, n := range a {
		if b[i] != n {
			return false
		}
	}
	return true
}

func sortedKeys(m map[int]uint64) []int {
	out := make([]int, 0, len(m))
	for i := range m {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// ValueAtRank estimates the value of rank r (0 is the smallest, Count()-1 the largest), within
// Accuracy of the exact value of that rank; ok is false for an empty sketch.
func (s Sketch) ValueAtRank(r float64) (float64, bool) {
	n := s.Count()
	if n == 0 {
		return 0, false
	}
	r = math.Max(0, math.Min(r, float64(n-1)))
	var negCount float64
	for _, c := range s.neg {
		negCount += float64(c)
	}
	if r < negCount { // as sketches-go: the negative side's rank counted from the smallest magnitude
		target, seen := negCount-1-r, 0.0
		keys := sortedKeys(s.neg)
		for _, i := range keys {
			seen += float64(s.neg[i])
			if seen > target {
				return -binValue(i), true
			}
		}
		return -binValue(keys[len(keys)-1]), true
	}
	seen := negCount
	seen += float64(s.zero)
	if seen > r {
		return 0, true
	}
	keys := sortedKeys(s.pos)
	for _, i := range keys {
		seen += float64(s.pos[i])
		if seen > r {
			return binValue(i), true
		}
	}
	return binValue(keys[len(keys)-1]), true
}

// Quantile estimates the q-quantile (0 ≤ q ≤ 1) as DDSketch defines it: the value of rank
// q·(Count()-1).
func (s Sketch) Quantile(q float64) (float64, bool) {
	return s.ValueAtRank(float64(q * float64(s.Count()-1)))
}

// Median estimates the median as the exact median is defined here: the middle value, or the mean
// of the two middle values for an even count.
func (s Sketch) Median() (float64, bool) {
	n := s.Count()
	if n == 0 {
		return 0, false
	}
	if n%2 == 1 {
		return s.ValueAtRank(float64(n / 2))
	}
	a, _ := s.ValueAtRank(float64(n/2 - 1))
	b, _ := s.ValueAtRank(float64(n / 2))
	return (a + b) / 2, true
}

// Percentile estimates the nearest-rank percentile p (0-100): the value of rank ⌈p/100·n⌉ (from 1).
func (s Sketch) Percentile(p float64) (float64, bool) {
	n := s.Count()
	if n == 0 {
		return 0, false
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	if rank < 1 {
		rank = 1
	}
	return s.ValueAtRank(float64(rank - 1))
}

// sketchFormat is the first byte of an encoded sketch.
const sketchFormat = 1

// MarshalBinary encodes the sketch compactly and deterministically (equal sketches, equal bytes):
// a format byte, the zero count, then each side's bins in index order as varint index steps and
// uvarint counts. An empty sketch is nil.
func (s Sketch) MarshalBinary() ([]byte, error) {
	if s.Empty() {
		return nil, nil
	}
	b := make([]byte, 0, 2+4*(len(s.pos)+len(s.neg)))
	b = append(b, sketchFormat)
	b = binary.AppendUvarint(b, s.zero)
	for _, side := range []map[int]uint64{s.pos, s.neg} {
		keys := sortedKeys(side)
		b = binary.AppendUvarint(b, uint64(len(keys)))
		prev := 0
		for _, i := range keys {
			b = binary.AppendVarint(b, int64(i-prev))
			b = binary.AppendUvarint(b, side[i])
			prev = i
		}
	}
	return b, nil
}

var errSketch = errors.New("metrics: not an encoded sketch")

// UnmarshalBinary decodes what MarshalBinary wrote (nil or empty: an empty sketch).
func (s *Sketch) UnmarshalBinary(b []byte) error {
	*s = Sketch{}
	if len(b) == 0 {
		return nil
	}
	if b[0] != sketchFormat {
		return errSketch
	}
	b = b[1:]
	uv := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, errSketch
		}
		b = b[n:]
		return v, nil
	}
	var err error
	if s.zero, err = uv(); err != nil {
		return err
	}
	for side := 0; side < 2; side++ {
		k, err := uv()
		if err != nil || k > 1<<16 {
			return errSketch
		}
		m := make(map[int]uint64, k)
		prev := 0
		for j := uint64(0); j < k; j++ {
			d, n := binary.Varint(b)
			if n <= 0 {
				return errSketch
			}
			b = b[n:]
			c, err := uv()
			if err != nil {
				return err
			}
			prev += int(d)
			m[prev] += c
		}
		if k > 0 {
			if side == 0 {
				s.pos = m
			} else {
				s.neg = m
			}
		}
	}
	if len(b) != 0 {
		return errSketch
	}
	return nil
}
