package clientmeta

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/oauthkit/oauthkit/internal/fetch"
)

// noRedirects is the CheckRedirect of the resolver's client: the draft (section 5) says
// an authorization server MUST NOT follow redirects when fetching a client metadata
// document, so a 3xx answer is returned as is and refused.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// get fetches the client metadata document at id: a GET asking for JSON, answered 200
// with a JSON media type (application/json or any type ending in +json) and a body of at
// most maxBytes. It returns the body and the response headers (for caching).
func (r *Resolver) get(ctx context.Context, id string) ([]byte, http.Header, *Error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil, nil, fetchError(err, "the client metadata document could not be requested")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	switch {
	case errors.Is(err, fetch.ErrNotPublic):
		return nil, nil, fetchError(err, "the client ID URL's host is not a public address")
	case errors.Is(err, context.DeadlineExceeded):
		return nil, nil, fetchError(err, "fetching the client metadata document timed out")
	case err != nil:
		return nil, nil, fetchError(err, "the client metadata document could not be fetched")
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusFound ||
		resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusTemporaryRedirect ||
		resp.StatusCode == http.StatusPermanentRedirect:
		return nil, nil, fetchError(nil, "the client ID URL redirects (HTTP status %d), and redirects are not followed", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, nil, fetchError(nil, "the client metadata document was answered with HTTP status %d", resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil, nil, fetchError(nil, "the client metadata document is not served as JSON")
	}
	tooBig := fetchError(nil, "the client metadata document is larger than %d bytes", r.maxBytes)
	if resp.ContentLength > r.maxBytes {
		return nil, nil, tooBig
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.maxBytes+1))
	switch {
	// The context is checked, not just err: a body cut short by the deadline can end
	// in what reads as a clean EOF.
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return nil, nil, fetchError(err, "fetching the client metadata document timed out")
	case err != nil:
		return nil, nil, fetchError(err, "the client metadata document could not be read")
	case int64(len(body)) > r.maxBytes:
		return nil, nil, tooBig
	}
	return body, resp.Header, nil
}
