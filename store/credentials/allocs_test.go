//go:build !race

// The race detector allocates on its own and makes sync.Pool drop entries at random, so
// allocation counts are checked only without it.

package credentials

import "testing"

// TestAllocs: hashing allocates nothing, and a new secret or ID is one allocation, its
// string; they run on every token request.
func TestAllocs(t *testing.T) {
	h, _ := NewHasher(make([]byte, 32))
	secret, plain := NewSecret("oak:at_"), []byte("oak:rt_x")
	for name, tc := range map[string]struct {
		f    func()
		want float64
	}{
		"Hash":      {func() { _ = h.Hash(secret) }, 0},
		"Equal":     {func() { _ = h.Equal(secret, h.Hash(secret)) }, 0},
		"NewSecret": {func() { _ = NewSecret("oak:at_") }, 1},
		"NewID":     {func() { _ = NewID() }, 1},
		// The cipher, its GCM and the sealed value.
		"Seal": {func() { _ = h.Seal(secret, plain) }, 3},
	} {
		if got := testing.AllocsPerRun(100, tc.f); got > tc.want {
			t.Errorf("%s: %v allocations, want %v", name, got, tc.want)
		}
	}
}
