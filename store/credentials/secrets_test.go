package credentials

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

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

// TestHasherReusesNothingVisible: hashes of inputs of every size, in any order, are those of
// a fresh HMAC: a reused buffer never leaks one input into the next.
func TestHasherReusesNothingVisible(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	h, _ := NewHasher(key)
	for _, in := range []string{"a long secret of some length", "", "x", strings.Repeat("y", maxPooledInput+1), "short", strings.Repeat("z", 100)} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(in))
		if got, want := h.Hash(in), store.Hash(m.Sum(nil)); got != want {
			t.Fatalf("Hash of %d bytes = %s, want %s", len(in), got, want)
		}
	}
}

func TestNewIDIsUUIDv4(t *testing.T) {
	a, b := NewID(), NewID()
	for _, id := range []string{a, b} {
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || u.String() != id {
			t.Fatalf("NewID = %q: %v, version %d, variant %v", id, err, u.Version(), u.Variant())
		}
	}
	if a == b {
		t.Fatal("two IDs are equal")
	}
}

// TestSealKeyIsHKDF: the key of Seal and Open is crypto/hkdf's HKDF-SHA256 of the secret,
// salted with the Hasher's key, for keys and secrets of many lengths (keys longer than
// SHA-256's block are hashed first by HMAC).
func TestSealKeyIsHKDF(t *testing.T) {
	for _, keyLen := range []int{32, 63, 64, 65, 100} {
		key := make([]byte, keyLen)
		for i := range key {
			key[i] = byte(i*7 + keyLen)
		}
		h, err := NewHasher(key)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"", "x", "oak:at_" + strings.Repeat("s", 43), strings.Repeat("\xff", 200)} {
			want, err := hkdf.Key(sha256.New, []byte(secret), key, sealInfo, 32)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.sealKey(secret); !bytes.Equal(got[:], want) {
				t.Fatalf("key of %d bytes, secret of %d: sealKey = %x, want %x", keyLen, len(secret), got, want)
			}
		}
	}
}
