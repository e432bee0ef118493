package clientmeta

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxDeltaSeconds is the largest delta-seconds value honoured (RFC 9111 section 1.2.2):
// larger ones, overflow included, mean this.
const maxDeltaSeconds = math.MaxInt32

// freshness returns how long a response with header h, received at now, stays fresh
// (RFC 9111 section 4.2.1), as this package reads it: no-store or no-cache in
// Cache-Control means zero; else max-age, less Age; else Expires less Date (or less now,
// without a valid Date), less Age. Without any of them, or with an invalid or repeated
// max-age or an invalid Expires, the response is stale from the start (RFC 9111 sections
// 4.2.1 and 5.3): zero. The caller bounds the result.
func freshness(h http.Header, now time.Time) time.Duration {
	maxAge, haveMaxAge := time.Duration(0), false
	for _, line := range h.Values("Cache-Control") {
		for d := range strings.SplitSeq(line, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store", "no-cache":
				return 0
			case "max-age":
				secs, ok := deltaSeconds(strings.Trim(strings.TrimSpace(value), `"`))
				if !ok || haveMaxAge {
					return 0
				}
				maxAge, haveMaxAge = secs, true
			}
		}
	}
	age, _ := deltaSeconds(strings.TrimSpace(h.Get("Age")))
	if haveMaxAge {
		return max(maxAge-age, 0)
	}
	exp := h.Values("Expires")
	if len(exp) == 0 {
		return 0
	}
	expires, err := http.ParseTime(exp[0])
	if err != nil || len(exp) > 1 {
		return 0
	}
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		date = now
	}
	return max(expires.Sub(date)-age, 0)
}

// deltaSeconds parses an RFC 9111 delta-seconds value (1*DIGIT), capped at
// maxDeltaSeconds.
func deltaSeconds(s string) (time.Duration, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > maxDeltaSeconds {
		n = maxDeltaSeconds
	}
	return time.Duration(n) * time.Second, true
}
