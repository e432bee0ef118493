// Package password hashes human passwords with argon2id (RFC 9106), the memory-hard KDF that
// R-LOGIN-1 asks for, in the PHC string format used by most password libraries:
//
//	$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>
//
// Salt and hash are unpadded standard base64.
package password

import (
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

// slots bounds how many argon2id computations run at once. Each one holds its Memory
// parameter (64 MiB by default) until it ends; without a bound, a burst of sign-in
// attempts, which anyone can send, would exhaust the server's memory. Further callers wait
// for a slot, costing only a parked goroutine.
var slots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// waiting counts callers waiting for a slot (observed by tests).
var waiting atomic.Int32

func acquire() func() {
	waiting.Add(1)
	slots <- struct{}{}
	waiting.Add(-1)
	return func() { <-slots }
}

// Hash returns the PHC string of password under p with a fresh random salt.
func Hash(password string, p Params) (string, error) {
	if p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory || p.Time < 1 || p.Time > maxTime || p.Threads < 1 || p.Threads > maxThreads {
		return "", fmt.Errorf("password: invalid argon2id parameters %+v", p)
	}
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	defer acquire()()
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC string encoded. The comparison is
// constant-time. A malformed encoded string returns ErrMalformed.
func Verify(password, encoded string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	defer acquire()()
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// dummy is verified against when an account does not exist, so that a sign-in attempt for
// an unknown login costs the same as one for a known login with a wrong password.
var dummy = sync.OnceValue(func() string {
	h, _ := Hash("oauthkit-timing-equaliser", Default)
	return h
})

// Waste spends the time of one Verify under the default parameters and returns false. Call it
// on paths where no hash exists (unknown account) to keep failures constant-time.
func Waste(password string) bool {
	_, _ = Verify(password, dummy())
	return false
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
