package middleware

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oauthkit/oauthkit/internal/httpauth"
	"github.com/oauthkit/oauthkit/scopes"
	"github.com/oauthkit/oauthkit/store"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"", "Bearer abc", "bearer oak:at_x-y.z~+/==", "Bearer", "Bearer  a", "Bearer a b", "Bearer a=b",
		"Basic " + strings.TrimPrefix(basic("acc", "pat"), "Basic "), "Basic !!", "Basic Og==",
		"Digest x", "Bearer\tx", "BEARER x", "Basic " + strings.Repeat("A", 9000),
	} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, h string, allowBasic bool) {
		cred, state, desc := parseAuthorization(h, allowBasic)
		switch state {
		case authOK:
			if !httpauth.ValidToken(cred.Token) || strings.ContainsAny(cred.Token, " \t\r\n\"\\,") {
				t.Fatalf("accepted a malformed token %q from %q", cred.Token, h)
			}
			if cred.Basic {
				if !allowBasic || cred.Username == "" || !validUser(cred.Username) || strings.Contains(cred.Username, ":") {
					t.Fatalf("bad Basic credential %+v from %q", cred, h)
				}
			} else if c2, s2, _ := parseAuthorization("Bearer "+cred.Token, false); s2 != authOK || c2 != cred {
				t.Fatalf("round trip of %q: %+v %v", cred.Token, c2, s2)
			}
		case authMalformed:
			if desc == "" || strings.ContainsAny(desc, "\"\\") {
				t.Fatalf("description %q", desc)
			}
		case authNone:
			if cred != (Credential{}) {
				t.Fatalf("no credential but %+v", cred)
			}
		}
	})
}

func FuzzParseIntrospection(f *testing.F) {
	for _, s := range []string{
		`{"active":true,"scope":"a:ro b:rw","client_id":"c","sub":"s","exp":1900000000,"iat":1.5e9,"token_type":"Bearer"}`,
		`{"active":false}`, `{"active":true,"kind":"customer","customer_id":"x"}`,
		`{"active":true,"token_type":"refresh_token"}`, `{"active":"yes"}`, `[]`, `null`, `{"active":true,"exp":-1}`,
		`{"active":true,"exp":1e300}`, `{"active":true,"scope":"a,,b  c"}`,
		`{"active":true,"sub":"s","aud":"https://mcp.example.com/mcp"}`, `{"active":true,"sub":"s","aud":["a","b"]}`,
		`{"active":true,"sub":"s","aud":""}`, `{"active":true,"sub":"s","aud":[1]}`, `{"active":true,"sub":"s","aud":{}}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := parseIntrospection(body, now)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrUnavailable) {
				t.Fatalf("error %v is neither sentinel", err)
			}
			return
		}
		switch in.Kind {
		case store.KindAccess, store.KindPersonal, store.KindCustomer, KindClient:
		default:
			t.Fatalf("kind %q", in.Kind)
		}
		if !in.ExpiresAt.IsZero() && !now.Before(in.ExpiresAt) {
			t.Fatalf("expired token accepted: %v", in.ExpiresAt)
		}
		for _, n := range in.Scopes.Names() {
			if !scopes.ValidName(n) {
				t.Fatalf("invalid scope %q", n)
			}
		}
	})
}
