package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestHistogramPrecision: every value lands in a bucket whose middle is within 1/64 of it,
// and buckets grow with the value, from 0 to past the largest one told apart.
func TestHistogramPrecision(t *testing.T) {
	last := -1
	for v := uint64(0); v < 1<<(maxBits+1); v = v + 1 + v/97 {
		i := bucket(v)
		if i < last || i >= len(histogram{}.counts) {
			t.Fatalf("bucket(%d) = %d, after %d", v, i, last)
		}
		last = i
		if m := middle(i); v < 1<<maxBits && absDiff(m, v)*64 > v {
			t.Fatalf("bucket(%d) = %d, whose middle %d is off by more than 1/64", v, i, m)
		}
	}
	if last != len(histogram{}.counts)-1 {
		t.Errorf("the largest values land in bucket %d of %d", last, len(histogram{}.counts))
	}
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestHistogramQuantiles: merged histograms give the quantiles of all their values, to
// within the buckets' precision.
func TestHistogramQuantiles(t *testing.T) {
	var all []time.Duration
	var a, b, h histogram
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 100_000 {
		d := time.Duration(rng.ExpFloat64() * float64(time.Millisecond))
		all = append(all, d)
		if i%2 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
	}
	h.merge(&a)
	h.merge(&b)
	slices.Sort(all)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		want := all[min(int(q*float64(len(all))+0.5), len(all))-1]
		got := h.quantile(q)
		if absDiff(uint64(got), uint64(want))*50 > uint64(want) {
			t.Errorf("quantile(%v) = %v, want %v", q, got, want)
		}
	}
	var empty histogram
	if empty.quantile(0.5) != 0 || h.total != 100_000 {
		t.Errorf("empty quantile %v, total %d", empty.quantile(0.5), h.total)
	}
}
