package flows

import (
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The answers of the token and introspection endpoints, and every OAuth error, are fixed
// structs of strings, numbers and a bool, written without reflection: the same bytes that
// encoding/json writes for them (FuzzJSONBodies compares the two), with its HTML-safe
// escaping of strings.

// jsonBody is a response body that writes its own JSON.
type jsonBody interface {
	appendJSON(b []byte) []byte
}

// errorBody is an RFC 6749 §5.2 error answer.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e errorBody) appendJSON(b []byte) []byte {
	b = append(b, `{"error":`...)
	b = appendJSONString(b, e.Error)
	b = appendStringField(b, `,"error_description":`, e.Description)
	return append(b, '}')
}

func (t *TokenResponse) appendJSON(b []byte) []byte {
	b = append(b, `{"access_token":`...)
	b = appendJSONString(b, t.AccessToken)
	b = append(b, `,"token_type":`...)
	b = appendJSONString(b, t.TokenType)
	b = append(b, `,"expires_in":`...)
	b = strconv.AppendInt(b, t.ExpiresIn, 10)
	b = appendStringField(b, `,"refresh_token":`, t.RefreshToken)
	b = appendStringField(b, `,"scope":`, t.Scope)
	b = appendStringField(b, `,"account_id":`, t.AccountID)
	b = appendStringField(b, `,"organization_id":`, t.OrganizationID)
	b = appendStringField(b, `,"issued_token_type":`, t.IssuedTokenType)
	return append(b, '}')
}

func (r IntrospectionResponse) appendJSON(b []byte) []byte {
	b = append(b, `{"active":`...)
	b = strconv.AppendBool(b, r.Active)
	b = appendStringField(b, `,"scope":`, r.Scope)
	b = appendStringField(b, `,"client_id":`, r.ClientID)
	b = appendStringField(b, `,"sub":`, r.Subject)
	b = appendIntField(b, `,"exp":`, r.ExpiresAt)
	b = appendIntField(b, `,"iat":`, r.IssuedAt)
	b = appendStringField(b, `,"token_type":`, r.TokenType)
	b = appendStringField(b, `,"kind":`, string(r.Kind))
	b = appendStringField(b, `,"jti":`, r.ID)
	b = appendStringField(b, `,"iss":`, r.Issuer)
	b = r.Audience.appendField(b, `,"aud":`)
	b = appendStringField(b, `,"account_id":`, r.AccountID)
	b = appendStringField(b, `,"organization_id":`, r.OrganizationID)
	b = appendStringField(b, `,"customer_id":`, r.CustomerID)
	b = appendStringField(b, `,"username":`, r.Username)
	return append(b, '}')
}

// appendField appends a as an omitempty member: key (with its comma and colon) and a
// string when a has one element, an array otherwise, unless a is empty.
func (a Audience) appendField(b []byte, key string) []byte {
	switch len(a) {
	case 0:
		return b
	case 1:
		return appendJSONString(append(b, key...), a[0])
	}
	b = append(append(b, key...), '[')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, v)
	}
	return append(b, ']')
}

// appendStringField appends an omitempty string member: key (with its comma and colon)
// and v, unless v is empty.
func appendStringField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendJSONString(append(b, key...), v)
}

// appendIntField is appendStringField for an integer.
func appendIntField(b []byte, key string, v int64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(append(b, key...), v, 10)
}

// appendJSONString appends s as a JSON string escaped as encoding/json escapes it: '"' and
// '\' with a backslash; \b, \f, \n, \r, \t by name; other control characters, '<', '>' and
// '&' as \u00XX; U+2028 and U+2029 as \u2028 and \u2029; every invalid UTF-8 byte as
// \ufffd.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonBuffers hold encoded answers between their encoding and their write.
var jsonBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxPooledJSON is the largest buffer kept for reuse.
const maxPooledJSON = 8 << 10

// encodeJSON writes v and a newline to w, as json.NewEncoder(w).Encode(v) does.
func encodeJSON(w io.Writer, v any) {
	jb, ok := v.(jsonBody)
	if !ok {
		_ = json.NewEncoder(w).Encode(v)
		return
	}
	bp := jsonBuffers.Get().(*[]byte)
	b := append(jb.appendJSON((*bp)[:0]), '\n')
	_, _ = w.Write(b)
	clear(b) // the answer carries tokens: no copy stays behind in the pool
	if cap(b) <= maxPooledJSON {
		*bp = b[:0]
		jsonBuffers.Put(bp)
	}
}
