package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// job is one kind of request, sent over and over.
type job struct {
	name   string
	method string
	url    string
	body   string      // form body; empty for none
	header http.Header // shared by every request, read only (a RoundTripper never writes it)
	// want, when set, must appear in every 2xx answer's body, so that a success is a real
	// one ({"active":false} is a 200 too).
	want string
}

// plan is how long and how hard each job is driven.
type plan struct {
	connections      int
	warmup, duration time.Duration
	// grace is how long requests started before the end may take to finish; those that
	// take longer are cancelled and counted as errors, so a stuck server cannot stall the
	// run.
	grace time.Duration
}

// result is what one job measured.
type result struct {
	Job       string  `json:"job"`
	Requests  uint64  `json:"requests"`
	PerSecond float64 `json:"requests_per_second"`
	Ratio     float64 `json:"ratio_to_bare,omitempty"`
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
	Errors    uint64  `json:"errors"`
	// FirstError describes the first failed request, warm-up included.
	FirstError string `json:"first_error,omitempty"`
}

// drive sends j's requests from p.connections workers, each waiting for its answer before
// sending the next, for p.warmup and then p.duration. Requests, rate and latencies count
// the requests started after the warm-up; errors count every failed request.
func drive(ctx context.Context, j job, p plan) result {
	tr := &http.Transport{
		Proxy:               nil, // never send loopback traffic to a proxy from the environment
		MaxIdleConns:        p.connections,
		MaxIdleConnsPerHost: p.connections,
		MaxConnsPerHost:     p.connections,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	measureFrom := time.Now().Add(p.warmup)
	stopAt := measureFrom.Add(p.duration)
	ctx, cancel := context.WithDeadline(ctx, stopAt.Add(p.grace))
	defer cancel()

	workers := make([]worker, p.connections)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		wg.Go(func() { w.run(ctx, client, j, measureFrom, stopAt, p.grace) })
	}
	wg.Wait()
	elapsed := time.Since(measureFrom)

	var h histogram
	var firstAt time.Time
	r := result{Job: j.name}
	for i := range workers {
		w := &workers[i]
		h.merge(&w.latency)
		r.Errors += w.errors
		if w.firstErr != "" && (r.FirstError == "" || w.firstAt.Before(firstAt)) {
			r.FirstError, firstAt = w.firstErr, w.firstAt
		}
	}
	r.Requests = h.total
	r.PerSecond = float64(h.total) / elapsed.Seconds()
	r.P50 = ms(h.quantile(0.50))
	r.P99 = ms(h.quantile(0.99))
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// worker is one connection's loop and what it saw.
type worker struct {
	latency  histogram
	errors   uint64
	firstErr string
	firstAt  time.Time
	buf      bytes.Buffer
}

func (w *worker) run(ctx context.Context, client *http.Client, j job, measureFrom, stopAt time.Time, grace time.Duration) {
	for ctx.Err() == nil {
		start := time.Now()
		if !start.Before(stopAt) {
			return
		}
		err := w.send(ctx, client, j, grace)
		if err != nil {
			w.errors++
			if w.firstErr == "" {
				w.firstErr, w.firstAt = err.Error(), start
			}
		}
		if !start.Before(measureFrom) {
			w.latency.record(time.Since(start))
		}
	}
}

// send sends one request, reads the whole answer (so the connection is reused) and
// reports whether it failed.
func (w *worker) send(ctx context.Context, client *http.Client, j job, grace time.Duration) error {
	var body io.Reader
	if j.body != "" {
		body = strings.NewReader(j.body)
	}
	req, err := http.NewRequestWithContext(ctx, j.method, j.url, body)
	if err != nil {
		return err
	}
	req.Header = j.header
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("no answer within %v after the end: %w", grace, err)
		}
		return err
	}
	defer resp.Body.Close()
	w.buf.Reset()
	if _, err := w.buf.ReadFrom(io.LimitReader(resp.Body, 64<<10)); err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s: %s", resp.Status, excerpt(w.buf.Bytes()))
	}
	if j.want != "" && !bytes.Contains(w.buf.Bytes(), []byte(j.want)) {
		return fmt.Errorf("%s without %s: %s", resp.Status, j.want, excerpt(w.buf.Bytes()))
	}
	return nil
}

// excerpt is the start of an answer's body, for an error message.
func excerpt(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
