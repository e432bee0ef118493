// Package password hashes human passwords with argon2id (RFC 9106), a memory-hard KDF, in
// the PHC string format used by most password libraries:
//
//	$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>
//
// Salt and hash are unpadded standard base64.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes (parallelism), 1 to 64
}

// Default costs 64 MiB and two passes over two lanes: above OWASP's argon2id minimum
// (19 MiB, two passes) and close to RFC 9106 §4's second option (64 MiB, three passes, four
// lanes), tuned so that one verification takes a few hundred milliseconds on a small
// two-core server rather than seconds.
var Default = Params{Memory: 64 * 1024, Time: 2, Threads: 2}

// Limits on parameters read back from a stored hash, so that a corrupt or hostile record
// cannot make one verification take gigabytes or minutes.
const (
	maxMemory  = 1 << 20 // 1 GiB in KiB
	maxTime    = 16
	maxThreads = 64
	saltLen    = 16
	keyLen     = 32
	maxKeyLen  = 128
)

// ErrMalformed means a stored hash is not an argon2id PHC string this package can verify.
var ErrMalformed = errors.New("password: malformed argon2id hash")

// ErrBusy means every argon2id slot is computing and the queue of callers waiting for one
// is full: the check was not made. Try again in a moment.
var ErrBusy = errors.New("password: too many password checks at once")

// A Limiter bounds the argon2id computations that run at once, and the callers waiting
// for one. Each computation holds its Memory parameter (64 MiB by default) until it ends,
// so without a bound a burst of sign-in attempts, which anyone can send, would exhaust the
// server's memory; and a queue without a bound would hold every request of the burst for
// ever longer (and its goroutine and connection with it). A caller that finds every slot
// busy waits in the queue; one that finds the queue full too gets ErrBusy at once.
type Limiter struct {
	slots   chan struct{}
	queue   int32
	waiting atomic.Int32 // callers waiting for a slot
}

// NewLimiter returns a Limiter of slots computations at once (at least 1) and at most
// queue callers waiting (0: none wait).
func NewLimiter(slots, queue int) *Limiter {
	return &Limiter{slots: make(chan struct{}, max(1, slots)), queue: int32(max(0, queue))}
}

// queuePerSlot sizes the shared queue: with computations of a few hundred milliseconds, a
// caller waits a few seconds at most.
const queuePerSlot = 8

// shared is the process's Limiter: the memory it protects is the process's.
var shared = sync.OnceValue(func() *Limiter {
	n := max(2, runtime.GOMAXPROCS(0))
	return NewLimiter(n, n*queuePerSlot)
})

// Shared returns the process-wide Limiter that Hash, Verify and Waste use: max(2,
// GOMAXPROCS) computations at once, and 8 callers per slot waiting.
func Shared() *Limiter { return shared() }

// Acquire takes a slot, waiting in the queue while every slot is busy, and returns the
// function that gives it back. It fails with ErrBusy when the queue is full, and with
// ctx's error when ctx ends first.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-l.slots }
	select {
	case l.slots <- struct{}{}:
		return release, nil
	default:
	}
	if l.waiting.Add(1) > l.queue {
		l.waiting.Add(-1)
		return nil, ErrBusy
	}
	defer l.waiting.Add(-1)
	select {
	case l.slots <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Waiting is how many callers are waiting for a slot.
func (l *Limiter) Waiting() int { return int(l.waiting.Load()) }

// Verify reports whether password matches the PHC string encoded, as [Verify] does, in a
// slot of l: it fails with ErrBusy (or ctx's error) without checking when it gets none.
func (l *Limiter) Verify(ctx context.Context, password, encoded string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	release, err := l.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// Waste spends the time of one Verify under the default parameters, in a slot of l, so
// that a path where no hash exists (an unknown account) costs what a wrong password costs,
// and fails when a Verify would: with ErrBusy or ctx's error, nil otherwise.
func (l *Limiter) Waste(ctx context.Context, password string) error {
	_, err := l.Verify(ctx, password, dummy())
	return err
}

// Hash returns the PHC string of password under p with a fresh random salt.
func Hash(password string, p Params) (string, error) {
	if p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory || p.Time < 1 || p.Time > maxTime || p.Threads < 1 || p.Threads > maxThreads {
		return "", fmt.Errorf("password: invalid argon2id parameters %+v", p)
	}
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	// Hashing is provisioning, not sign-in: it waits for a slot however long the queue.
	l := Shared()
	l.slots <- struct{}{}
	defer func() { <-l.slots }()
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC string encoded. The comparison is
// constant-time. A malformed encoded string returns ErrMalformed. It runs in a slot of
// [Shared], and fails with ErrBusy when every slot is busy and the queue is full.
func Verify(password, encoded string) (bool, error) {
	return Shared().Verify(context.Background(), password, encoded)
}

// dummy is verified against when an account does not exist, so that a sign-in attempt for
// an unknown login costs the same as one for a known login with a wrong password.
var dummy = sync.OnceValue(func() string {
	h, _ := Hash("oauthkit-timing-equaliser", Default)
	return h
})

// Waste is [Limiter.Waste] in [Shared].
func Waste(password string) error {
	return Shared().Waste(context.Background(), password)
}

func decode(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformed
	}
	var v int
	if n, err := fmt.Sscanf(parts[2], "v=%d", &v); n != 1 || err != nil || v != argon2.Version || parts[2] != fmt.Sprintf("v=%d", v) {
		return Params{}, nil, nil, ErrMalformed
	}
	var p Params
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); n != 3 || err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads) {
		return Params{}, nil, nil, ErrMalformed
	}
	if p.Time < 1 || p.Time > maxTime || p.Threads < 1 || p.Threads > maxThreads || p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory {
		return Params{}, nil, nil, ErrMalformed
	}
	salt, err := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, ErrMalformed
	}
	key, err := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > maxKeyLen {
		return Params{}, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}
