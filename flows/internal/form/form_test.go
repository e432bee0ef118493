package form

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadBody: bodies up to MaxBody are read whole whatever their Content-Length says; more
// is a *http.MaxBytesError, also when the body sends more than its declared length; a
// failing body is ErrUnreadable. Reading one after another through the reused buffer never
// mixes them.
func TestReadBody(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    string
		length  int64 // Content-Length; -1 unknown
		wantErr error // nil, ErrUnreadable, or errTooBig
	}{
		{"empty", "", 0, nil},
		{"short, known length", "a=1&b=2", 7, nil},
		{"short, unknown length", "a=1&b=2", -1, nil},
		{"a long one", strings.Repeat("x", 5000), 5000, nil},
		{"short again", "c=3", 3, nil},
		{"exactly MaxBody, known", strings.Repeat("y", MaxBody), MaxBody, nil},
		{"exactly MaxBody, unknown", strings.Repeat("y", MaxBody), -1, nil},
		{"too long, known", strings.Repeat("z", MaxBody+1), MaxBody + 1, errTooBig},
		{"too long, unknown", strings.Repeat("z", MaxBody+1), -1, errTooBig},
		{"more than declared", strings.Repeat("z", MaxBody+1), 10, errTooBig},
		{"less than declared", "abc", 100, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			r.ContentLength = tc.length
			got, err := ReadBody(httptest.NewRecorder(), r)
			var tooBig *http.MaxBytesError
			switch {
			case tc.wantErr == errTooBig:
				if !errors.As(err, &tooBig) || tooBig.Limit != MaxBody {
					t.Fatalf("ReadBody = %d bytes, %v; want a *http.MaxBytesError of %d", len(got), err, MaxBody)
				}
			case err != nil || got != tc.body:
				t.Fatalf("ReadBody = %d bytes %.20q, %v; want %d bytes %.20q", len(got), got, err, len(tc.body), tc.body)
			}
		})
	}
	t.Run("failing body", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(iotest.ErrReader(errors.New("boom"))))
		r.ContentLength = -1
		if _, err := ReadBody(httptest.NewRecorder(), r); !errors.Is(err, ErrUnreadable) {
			t.Fatalf("ReadBody = %v, want ErrUnreadable", err)
		}
	})
	t.Run("one byte at a time", func(t *testing.T) {
		body := strings.Repeat("0123456789", 300)
		r := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(iotest.OneByteReader(strings.NewReader(body))))
		r.ContentLength = -1
		if got, err := ReadBody(httptest.NewRecorder(), r); got != body || err != nil {
			t.Fatalf("ReadBody = %d bytes, %v; want %d bytes", len(got), err, len(body))
		}
	})
	t.Run("no body", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodPost, "/", nil)
		if got, err := ReadBody(httptest.NewRecorder(), r); got != "" || err != nil {
			t.Fatalf("ReadBody = %q, %v", got, err)
		}
	})
}

var errTooBig = errors.New("too big")
