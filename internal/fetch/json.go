package fetch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// GetOptions configures [GetJSON]. The zero value means the documented defaults.
type GetOptions struct {
	// Accept is the Accept header. Default "application/json".
	Accept string
	// Bearer, when set, is sent as "Authorization: Bearer <Bearer>" (a UserInfo request).
	Bearer string
	// MaxBytes bounds the body. Default 1 MiB.
	MaxBytes int64
	// Timeout bounds the request, whatever the client's own timeout. Default 10 s.
	Timeout time.Duration
}

// defaultMaxBytes is the default of GetOptions.MaxBytes.
const defaultMaxBytes = 1 << 20

// GetJSON GETs url with client and decodes the body into v. The answer must be status
// 200, of a JSON media type (application/json, or any type ending in +json such as
// application/jwk-set+json), and at most opts.MaxBytes long. Errors name the URL and what
// was wrong, never the body.
func GetJSON(ctx context.Context, client *http.Client, url string, opts GetOptions, v any) error {
	if opts.Accept == "" {
		opts.Accept = "application/json"
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = defaultMaxBytes
	}
	ctx, cancel := requestContext(ctx, opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", opts.Accept)
	if opts.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+opts.Bearer)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, opts.MaxBytes))
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return fmt.Errorf("GET %s: content type %q, want application/json", url, mt)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, opts.MaxBytes+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if int64(len(body)) > opts.MaxBytes {
		return fmt.Errorf("GET %s: larger than %d bytes", url, opts.MaxBytes)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// requestContext bounds ctx by timeout (the default when not positive).
func requestContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	return context.WithTimeout(ctx, timeout)
}
