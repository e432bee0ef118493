package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"strconv"
	"sync"
)

// faviconSize is the width and height, in pixels, of the demo's icon.
const faviconSize = 32

// faviconICO is the demo's icon: a blue ring on a transparent background, drawn once and
// wrapped as an ICO file holding one PNG image (which every current browser reads).
var faviconICO = sync.OnceValue(func() []byte {
	var p bytes.Buffer
	if err := png.Encode(&p, drawFavicon()); err != nil {
		panic(err) // encoding an in-memory RGBA image cannot fail
	}
	var ico bytes.Buffer
	// ICONDIR: reserved, type 1 (icon), one image.
	_ = binary.Write(&ico, binary.LittleEndian, [3]uint16{0, 1, 1})
	// ICONDIRENTRY: width, height, colours, reserved, planes, bits per pixel, size, offset.
	ico.Write([]byte{faviconSize, faviconSize, 0, 0})
	_ = binary.Write(&ico, binary.LittleEndian, [2]uint16{1, 32})
	_ = binary.Write(&ico, binary.LittleEndian, [2]uint32{uint32(p.Len()), 6 + 16})
	ico.Write(p.Bytes())
	return ico.Bytes()
})

// drawFavicon draws the icon, each pixel's alpha the share of it (sampled 4×4) covered by
// the ring, so that its edges are smooth.
func drawFavicon() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, faviconSize, faviconSize))
	const samples = 4
	c := float64(faviconSize) / 2
	for y := range faviconSize {
		for x := range faviconSize {
			in := 0
			for sy := range samples {
				for sx := range samples {
					dx := float64(x) + (float64(sx)+.5)/samples - c
					dy := float64(y) + (float64(sy)+.5)/samples - c
					if r := math.Hypot(dx, dy); r <= 15 && r >= 7.5 {
						in++
					}
				}
			}
			img.SetNRGBA(x, y, color.NRGBA{R: 0x2b, G: 0x59, B: 0xc3, A: uint8(in * 255 / (samples * samples))})
		}
	}
	return img
}

// favicon serves the demo's icon, so that browsers asking every page's /favicon.ico get one
// rather than a 404.
func favicon() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ico := faviconICO()
		h := w.Header()
		h.Set("Content-Type", "image/x-icon")
		h.Set("Content-Length", strconv.Itoa(len(ico)))
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method != http.MethodHead {
			_, _ = w.Write(ico)
		}
	})
}
