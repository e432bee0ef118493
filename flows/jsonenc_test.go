package flows

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/oauthkit/oauthkit/store"
)

// FuzzJSONBodies: the hand-written encodings of the token response, the introspection
// response and the error answer are byte for byte those of encoding/json, for any strings
// (escapes, HTML characters, U+2028, invalid UTF-8), numbers and empty fields.
func FuzzJSONBodies(f *testing.F) {
	f.Add("oak:at_abc", "Bearer", int64(28800), "", "a,b", "acct", "org", "", true)
	f.Add("", "", int64(0), "", "", "", "", "", false)
	f.Add(`"quoted" \back\slash`, "<script>&amp;</script>", int64(-1), "\u2028\u2029", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "\xff\xfe", "é€𝄞", true)
	f.Add("a\xc3", "\xe2\x80", int64(1<<62), "\xed\xa0\x80", "\xf4\x90\x80\x80", "\ufffd", "\u2027\u202a", string(rune(0x10ffff)), false)
	f.Fuzz(func(t *testing.T, a, b string, n int64, c, d, e, g, h string, active bool) {
		same := func(what string, v jsonBody) {
			t.Helper()
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.appendJSON(nil); !bytes.Equal(got, want) {
				t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
			}
		}
		same("TokenResponse", &TokenResponse{a, b, n, c, d, e, g, h})
		same("IntrospectionResponse", IntrospectionResponse{
			Active: active, Scope: a, ClientID: b, Subject: c, ExpiresAt: n, IssuedAt: -n,
			TokenType: d, Kind: store.TokenKind(e), ID: g, Issuer: h, AccountID: a + b,
			OrganizationID: c + d, CustomerID: e + g, Username: h + a,
		})
		for _, aud := range []Audience{{a}, {b, c}, {d, e, g + h}, {}} {
			same("IntrospectionResponse with aud", IntrospectionResponse{Active: active, Issuer: h, Audience: aud})
		}
		same("errorBody", errorBody{a, b})
	})
}
