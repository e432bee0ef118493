package credentials

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

func TestNewCarries256Bits(t *testing.T) {
	s := NewSecret("oak:at_")
	if !strings.HasPrefix(s, "oak:at_") {
		t.Fatalf("prefix lost: %q", s)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, "oak:at_"))
	if err != nil || len(raw) != 32 {
		t.Fatalf("body is %d bytes (%v), want 32", len(raw), err)
	}
	if a, b := NewSecret(""), NewSecret(""); a == b {
		t.Fatal("two secrets are equal")
	}
}

func TestHasherIsHMACSHA256(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	h, err := NewHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("secret"))
	var want store.Hash
	copy(want[:], m.Sum(nil))
	if got := h.Hash("secret"); got != want {
		t.Fatalf("Hash = %s, want %s", got, want)
	}
	if !h.Equal("secret", want) || h.Equal("Secret", want) || h.Equal("", store.Hash{}) {
		t.Fatal("Equal disagrees with Hash")
	}
	other, _ := NewHasher([]byte(strings.Repeat("x", 32)))
	if other.Hash("secret") == want {
		t.Fatal("the key does not change the hash")
	}
}

func TestHasherConcurrent(t *testing.T) {
	h, _ := NewHasher(make([]byte, 32))
	want := h.Hash("a")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if h.Hash("a") != want {
					t.Error("concurrent Hash differs")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestNewHasherRefusesShortKey(t *testing.T) {
	if _, err := NewHasher(make([]byte, 31)); err == nil {
		t.Fatal("a 31-byte key was accepted")
	}
}

func TestSealOpen(t *testing.T) {
	h, _ := NewHasher(make([]byte, 32))
	sealed := h.Seal("oak:at_x", []byte("oak:rt_y"))
	got, err := h.Open("oak:at_x", sealed)
	if err != nil || string(got) != "oak:rt_y" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := h.Open("oak:at_z", sealed); err == nil {
		t.Fatal("another secret opened the sealed value")
	}
	other, _ := NewHasher([]byte(strings.Repeat("x", 32)))
	if _, err := other.Open("oak:at_x", sealed); err == nil {
		t.Fatal("another server key opened the sealed value")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := h.Open("oak:at_x", sealed); err == nil {
		t.Fatal("a tampered value opened")
	}
	if _, err := h.Open("oak:at_x", sealed[:5]); err == nil {
		t.Fatal("a truncated value opened")
	}
}
