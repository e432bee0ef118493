package main

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"io"
	"net/http"
	"testing"
)

// TestFavicon: the authorization server and the demo client both answer /favicon.ico
// (browsers ask for it on every page) with a 32×32 icon, an ICO file holding one PNG.
func TestFavicon(t *testing.T) {
	w := startServer(t, "-addr", "127.0.0.1:0", "-demo-client", "127.0.0.1:0", "-db", "memory")
	for _, base := range []string{w.issuer + "/", w.demo} {
		resp, err := http.Get(base + "favicon.ico")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/x-icon" {
			t.Fatalf("GET %sfavicon.ico: %d %s", base, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !bytes.HasPrefix(body, []byte{0, 0, 1, 0, 1, 0, 32, 32}) || len(body) < 22 {
			t.Fatalf("%sfavicon.ico is no one-image 32×32 ICO: % x", base, body[:min(len(body), 22)])
		}
		size, offset := binary.LittleEndian.Uint32(body[14:]), binary.LittleEndian.Uint32(body[18:])
		if int(offset)+int(size) != len(body) {
			t.Fatalf("ICO entry says %d bytes at %d, file has %d", size, offset, len(body))
		}
		img, err := png.Decode(bytes.NewReader(body[offset:]))
		if err != nil || img.Bounds().Dx() != 32 || img.Bounds().Dy() != 32 {
			t.Fatalf("the icon's PNG: %v %v", err, img)
		}
		if _, _, _, a := img.At(16, 16).RGBA(); a != 0 {
			t.Error("the ring's centre is not transparent")
		}
		if _, _, b, a := img.At(16, 4).RGBA(); a == 0 || b == 0 {
			t.Error("the ring is not drawn")
		}

		resp, err = http.Head(base + "favicon.ico")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(body)) {
			t.Errorf("HEAD %sfavicon.ico: %d, length %d", base, resp.StatusCode, resp.ContentLength)
		}
	}
}
