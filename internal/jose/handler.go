package jose

import (
	"log/slog"
	"net/http"
	"time"
)

// JWKSHandler serves the JWKS of ks (GET and HEAD, as /.well-known/jwks.json does). now is
// the clock; nil means time.Now. Responses may be cached for five minutes: verifiers refetch
// on an unknown kid anyway, and a key is published ahead of (or stays published after) the
// tokens it signs.
func JWKSHandler(ks *KeySet, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		b, err := ks.MarshalJWKS(now())
		if err != nil {
			slog.ErrorContext(r.Context(), "oauthkit: marshalling the JWKS failed", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(b)
	})
}
