package main

import (
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: each power of two is split into 2^(subBits-1)
// buckets, so a recorded latency is known to within 1/64 (1.6 %) of its value.
const subBits = 7

// maxBits bounds the latencies told apart: 2^37 ns is about 137 s; anything slower lands in
// the last bucket.
const maxBits = 37

// histogram counts latencies in log-linear buckets, like an HDR histogram: exact below
// 128 ns, within 1.6 % above. Its size is fixed (a 16 KiB array), whatever the number of
// requests or the duration. It is not safe for concurrent use: each worker keeps its own,
// merged at the end.
type histogram struct {
	counts [(maxBits - subBits + 2) << (subBits - 1)]uint64
	total  uint64
}

// bucket returns the index of the bucket holding v nanoseconds.
func bucket(v uint64) int {
	if v >= 1<<maxBits {
		v = 1<<maxBits - 1
	}
	n := bits.Len64(v)
	if n <= subBits {
		return int(v)
	}
	shift := n - subBits // v>>shift has subBits bits: its top one set, the rest the sub-bucket
	return shift<<(subBits-1) + int(v>>shift)
}

// middle returns the middle of bucket i's range, the value a quantile reports.
func middle(i int) uint64 {
	if i < 1<<subBits {
		return uint64(i)
	}
	shift := i>>(subBits-1) - 1
	m := uint64(i&(1<<(subBits-1)-1) | 1<<(subBits-1))
	return m<<shift + (1<<shift)/2
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucket(uint64(max(d, 0)))]++
	h.total++
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
}

// quantile returns the latency below which a fraction q of the recorded ones fall; zero
// when nothing was recorded.
func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			return time.Duration(middle(i))
		}
	}
	return time.Duration(middle(len(h.counts) - 1))
}
