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

// driver sends one job's requests from a fixed set of keep-alive connections, one worker
// each, and adds up what they measure over the driver's runs.
type driver struct {
	job     job
	client  *http.Client
	workers []worker
	// grace is how long requests sent before the end of a run may take; those that take
	// longer are cancelled and counted as errors, so a stuck server cannot stall the run.
	grace    time.Duration
	measured time.Duration
}

func newDriver(j job, connections int, grace time.Duration) *driver {
	tr := &http.Transport{
		Proxy:               nil, // never send loopback traffic to a proxy from the environment
		MaxIdleConns:        connections,
		MaxIdleConnsPerHost: connections, // so that every connection is kept between runs
		MaxConnsPerHost:     connections,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return &driver{job: j, client: client, workers: make([]worker, connections), grace: grace}
}

// run has every worker send requests, each the next when the last is answered, for
// warmup and then length: a turn. It adds the requests answered within length, and the
// latencies of those sent within it; it counts every failed request. The warm-up fills the
// pipeline again after the other jobs' turns, so that the measurement starts steady.
func (d *driver) run(ctx context.Context, warmup, length time.Duration) {
	measureFrom := time.Now().Add(warmup)
	stopAt := measureFrom.Add(length)
	ctx, cancel := context.WithDeadline(ctx, stopAt.Add(d.grace))
	defer cancel()
	var wg sync.WaitGroup
	for i := range d.workers {
		w := &d.workers[i]
		wg.Go(func() { w.run(ctx, d, measureFrom, stopAt) })
	}
	wg.Wait()
	d.measured += length
}

// result sums up the measured runs.
func (d *driver) result() result {
	var h histogram
	var firstAt time.Time
	r := result{Job: d.job.name}
	for i := range d.workers {
		w := &d.workers[i]
		h.merge(&w.latency)
		r.Requests += w.answered
		r.Errors += w.errors
		if w.firstErr != "" && (r.FirstError == "" || w.firstAt.Before(firstAt)) {
			r.FirstError, firstAt = w.firstErr, w.firstAt
		}
	}
	if d.measured > 0 {
		r.PerSecond = float64(r.Requests) / d.measured.Seconds()
	}
	r.P50, r.P99 = ms(h.quantile(0.50)), ms(h.quantile(0.99))
	return r
}

func (d *driver) close() { d.client.CloseIdleConnections() }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// worker is one connection's loop and what it saw.
type worker struct {
	latency  histogram
	answered uint64 // requests answered within the measured time
	errors   uint64
	firstErr string
	firstAt  time.Time
	buf      bytes.Buffer
}

func (w *worker) run(ctx context.Context, d *driver, measureFrom, stopAt time.Time) {
	for ctx.Err() == nil {
		start := time.Now()
		if !start.Before(stopAt) {
			return
		}
		err := w.send(ctx, d.client, d.job, d.grace)
		if err != nil {
			w.errors++
			if w.firstErr == "" {
				w.firstErr, w.firstAt = err.Error(), start
			}
		}
		end := time.Now()
		if !start.Before(measureFrom) {
			w.latency.record(end.Sub(start))
		}
		if !end.Before(measureFrom) && end.Before(stopAt) {
			w.answered++
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
