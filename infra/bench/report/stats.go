package report

import (
	"math"
	"sort"
	"time"
)

// Quantile is the q-quantile (0..1) of xs by linear interpolation; NaN for no data.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return s[lo] + (s[hi]-s[lo])*(pos-float64(lo))
}

// Median is the 0.5-quantile.
func Median(xs []float64) float64 { return Quantile(xs, 0.5) }

// Ms converts durations to milliseconds.
func Ms(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d) / float64(time.Millisecond)
	}
	return out
}
