package credentials

import "testing"

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPassword("correct horse", h); !ok || err != nil {
		t.Fatalf("the right password: %v %v", ok, err)
	}
	if ok, err := VerifyPassword("correct horsf", h); ok || err != nil {
		t.Fatalf("a wrong password: %v %v", ok, err)
	}
	if _, err := VerifyPassword("x", "not a hash"); err == nil {
		t.Fatal("a malformed hash verified without error")
	}
}

func TestNewClientSecret(t *testing.T) {
	a, b := NewClientSecret(), NewClientSecret()
	if len(a) != 43 || a == b {
		t.Fatalf("client secrets %q and %q", a, b)
	}
}
