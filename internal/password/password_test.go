package password

import (
	"context"
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

// TestConcurrencyBounded: however many verifications are asked for at once, at most the
// shared limiter's slots of argon2id computations (each holding its memory cost) run
// together.
func TestConcurrencyBounded(t *testing.T) {
	h, err := Hash("pw", cheap)
	if err != nil {
		t.Fatal(err)
	}
	l := Shared()
	// Hold every slot: a verification must wait until one is released.
	var held []func()
	for range cap(l.slots) {
		release, err := l.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, release)
	}
	done := make(chan bool, 1)
	go func() {
		ok, _ := Verify("pw", h)
		done <- ok
	}()
	waitFor(t, func() bool { return l.Waiting() == 1 })
	select {
	case <-done:
		t.Fatal("Verify finished while every slot was taken")
	default:
	}
	held[0]() // release one
	if !<-done {
		t.Fatal("Verify failed once a slot was free")
	}
	for _, release := range held[1:] {
		release()
	}
}

// TestQueueBounded: with every slot busy, callers wait in a queue of bounded length;
// beyond it they get ErrBusy at once, without a computation, and a waiting caller whose
// context ends stops waiting.
func TestQueueBounded(t *testing.T) {
	h, err := Hash("pw", cheap)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLimiter(1, 2)
	release, err := l.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	for range 2 {
		go func() {
			ok, err := l.Verify(context.Background(), "pw", h)
			if err == nil && !ok {
				err = errors.New("the right password did not verify")
			}
			done <- err
		}()
	}
	waitFor(t, func() bool { return l.Waiting() == 2 })
	// The queue is full: the next caller is refused at once.
	if ok, err := l.Verify(context.Background(), "pw", h); ok || !errors.Is(err, ErrBusy) {
		t.Fatalf("Verify with a full queue = %v, %v; want false, ErrBusy", ok, err)
	}
	if err := l.Waste(context.Background(), "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Waste with a full queue = %v, want ErrBusy", err)
	}
	if l.Waiting() != 2 {
		t.Fatalf("%d waiting, want 2", l.Waiting())
	}
	release()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// A waiter whose request ends leaves the queue.
	release, _ = l.Acquire(context.Background())
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error, 1)
	go func() {
		_, err := l.Verify(ctx, "pw", h)
		gone <- err
	}()
	waitFor(t, func() bool { return l.Waiting() == 1 })
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Verify = %v, want context.Canceled", err)
	}
	if l.Waiting() != 0 {
		t.Fatalf("%d waiting after the cancellation", l.Waiting())
	}
	// No queue at all: a busy limiter refuses at once.
	none := NewLimiter(1, 0)
	r2, _ := none.Acquire(context.Background())
	defer r2()
	if _, err := none.Acquire(context.Background()); !errors.Is(err, ErrBusy) {
		t.Fatalf("Acquire without a queue = %v, want ErrBusy", err)
	}
}

// waitFor waits until cond holds, yielding the processor meanwhile (no sleeps).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		runtime.Gosched()
	}
}
