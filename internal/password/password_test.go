package password

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// cheap keeps the tests fast; the format and the comparison are what they check.
var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("unexpected PHC string %q", h)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse", true}, {"correct horse ", false}, {"", false}, {"Correct horse", false}} {
		ok, err := Verify(tc.pw, h)
		if err != nil || ok != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v, nil", tc.pw, ok, err, tc.want)
		}
	}
	h2, _ := Hash("correct horse", cheap)
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

// TestKnownVector checks interoperability with hashes made by other argon2id libraries
// (this one: the reference implementation's CLI, `echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1`).
func TestKnownVector(t *testing.T) {
	const h = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	ok, err := Verify("password", h)
	if err != nil || !ok {
		t.Fatalf("Verify(reference vector) = %v, %v", ok, err)
	}
}

func TestMalformed(t *testing.T) {
	for _, s := range malformedSeeds {
		if ok, err := Verify("x", s); ok || !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformed", s, ok, err)
		}
	}
}

func TestHashRefusesBadParams(t *testing.T) {
	for _, p := range []Params{{}, {Memory: 64, Time: 0, Threads: 1}, {Memory: 4, Time: 1, Threads: 1}, {Memory: 1 << 21, Time: 1, Threads: 1}} {
		if _, err := Hash("x", p); err == nil {
			t.Errorf("Hash with %+v succeeded", p)
		}
	}
}

var malformedSeeds = []string{
	"",
	"plaintext",
	"$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=16$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=99999999,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=64,t=100,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=64,t=1,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=64,t=1,p=1$$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$",
	"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$!!!",
	"$argon2id$v=19$m=64,t=1,p=1,x=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=+64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc$",
}

// FuzzVerify: stored hashes come from configuration and databases; no input may panic or
// make verification unbounded.
func FuzzVerify(f *testing.F) {
	for _, s := range malformedSeeds {
		f.Add(s)
	}
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
	f.Fuzz(func(t *testing.T, s string) {
		p, _, _, err := decode(s)
		if err != nil {
			return
		}
		if p.Memory > maxMemory || p.Time > maxTime || p.Threads > maxThreads {
			t.Fatalf("decode accepted unbounded parameters %+v", p)
		}
	})
}

// TestConcurrencyBounded: however many verifications are asked for at once, at most
// cap(slots) argon2id computations (each holding its memory cost) run together.
func TestConcurrencyBounded(t *testing.T) {
	h, err := Hash("pw", cheap)
	if err != nil {
		t.Fatal(err)
	}
	// Hold every slot: a verification must wait until one is released.
	for range cap(slots) {
		slots <- struct{}{}
	}
	done := make(chan bool, 1)
	go func() {
		ok, _ := Verify("pw", h)
		done <- ok
	}()
	deadline := time.Now().Add(10 * time.Second)
	for waiting.Load() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("Verify never waited for a slot")
		}
		runtime.Gosched()
	}
	select {
	case <-done:
		t.Fatal("Verify finished while every slot was taken")
	default:
	}
	<-slots // release one
	if !<-done {
		t.Fatal("Verify failed once a slot was free")
	}
	for range cap(slots) - 1 {
		<-slots
	}
}
