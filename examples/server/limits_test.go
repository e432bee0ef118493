package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// serveWithLimits runs newHTTPServer(h, l) on a loopback listener until the test ends and
// returns its address.
func serveWithLimits(t *testing.T, h http.Handler, l connLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(h, l)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String()
}

// readsBody answers 200 after reading the whole body, 400 when the read fails.
var readsBody = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if _, err := io.ReadAll(r.Body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
})

// TestSlowClientsAreCutOff: a client that sends its headers slowly, or its headers and
// then never its body, or that keeps a connection idle, loses the connection once the
// limit passes; oversized headers are refused. The client waits at most patience for the
// server's answer: a server without the limit never answers, and the client's read times
// out.
func TestSlowClientsAreCutOff(t *testing.T) {
	const limit, patience = 200 * time.Millisecond, 10 * time.Second
	l := connLimits{ReadHeader: limit, Read: limit, Write: 5 * time.Second, Idle: limit, MaxHeaderBytes: 1 << 10}
	addr := serveWithLimits(t, readsBody, l)
	tests := []struct {
		name string
		// send writes to the connection; it returns without closing it.
		send func(w io.Writer) error
		// want is the answer's status line prefix, "" for a connection closed unanswered.
		want string
	}{
		{"headers never finished", func(w io.Writer) error {
			_, err := io.WriteString(w, "POST / HTTP/1.1\r\nHost: x\r\n")
			return err
		}, ""},
		{"body never sent", func(w io.Writer) error {
			_, err := io.WriteString(w, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npart of it")
			return err
		}, "HTTP/1.1 400"},
		{"idle after an answer", func(w io.Writer) error {
			_, err := io.WriteString(w, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
			return err
		}, "HTTP/1.1 200"},
		{"headers too large", func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 16<<10))
			return err
		}, "HTTP/1.1 431"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := tt.send(conn); err != nil {
				t.Fatal(err)
			}
			if err := conn.SetReadDeadline(time.Now().Add(patience)); err != nil {
				t.Fatal(err)
			}
			// Read what the server sends until it closes the connection.
			got, err := io.ReadAll(bufio.NewReader(conn))
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("the server still holds the connection after %v (read so far: %q)", patience, got)
			}
			if tt.want == "" && len(got) != 0 {
				t.Errorf("answer %q, want the connection closed unanswered", got)
			}
			if tt.want != "" && !strings.HasPrefix(string(got), tt.want) {
				t.Errorf("answer %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDefaultLimits: the servers that run starts have every limit set, and the write
// limit outlasts the read limit it includes.
func TestDefaultLimits(t *testing.T) {
	s := newHTTPServer(http.NotFoundHandler(), defaultLimits)
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Fatalf("limits not all set: %+v", defaultLimits)
	}
	if s.WriteTimeout <= s.ReadTimeout || s.ReadTimeout < s.ReadHeaderTimeout {
		t.Errorf("limits out of order: %+v", defaultLimits)
	}
}
