package clientmeta

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/oauthkit/oauthkit/redirecturi"
	"github.com/oauthkit/oauthkit/scopes"
)

// Limits on members of a document.
const (
	// maxNameLen is the longest client_name accepted, in bytes.
	maxNameLen = 255
	// maxWebURILen is the longest client_uri or logo_uri accepted, in bytes.
	maxWebURILen = 2048
)

// members are the document's top-level members, by exact name (RFC 7591 names are case
// sensitive, so "Client_Id" is just another unknown member).
type members map[string]json.RawMessage

// parseDocument validates body as the client metadata document of the client ID URL id
// (which passed ValidateURL) and returns what it says. Unknown members are ignored, as
// RFC 7591 section 2 asks.
func parseDocument(id string, body []byte) (Document, *Error) {
	m, e := readObject(body)
	if e != nil {
		return Document{}, e
	}
	// The draft's identity rule first: the document is this URL's.
	cid, ok, e := m.str("client_id")
	switch {
	case e != nil:
		return Document{}, e
	case !ok:
		return Document{}, docError("client_id is missing")
	case cid != id:
		return Document{}, docError("client_id does not match the URL the document was fetched from")
	}
	if e := m.checkAuth(); e != nil {
		return Document{}, e
	}
	d := Document{ID: id, Hostname: hostOf(id)}
	if d.RedirectURIs, e = m.redirectURIs(); e != nil {
		return Document{}, e
	}
	d.LoopbackOnly = loopbackOnly(d.RedirectURIs)
	if d.Name, e = m.name(); e != nil {
		return Document{}, e
	}
	if d.ClientURI, e = m.webURI("client_uri"); e != nil {
		return Document{}, e
	}
	if d.LogoURI, e = m.webURI("logo_uri"); e != nil {
		return Document{}, e
	}
	if d.Scopes, e = m.scopes(); e != nil {
		return Document{}, e
	}
	if d.GrantTypes, e = m.grantTypes(); e != nil {
		return Document{}, e
	}
	return d, nil
}

// readObject reads body as exactly one JSON object whose member names are unique: a
// repeated member is refused rather than read as its last value, since two readers of
// the same document must never see two different clients.
func readObject(body []byte) (members, *Error) {
	notObject := docError("the document is not a JSON object")
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, notObject
	}
	m := members{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, notObject
		}
		name, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, notObject
		}
		if _, dup := m[name]; dup {
			return nil, docError("the document repeats a member name")
		}
		m[name] = v
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, notObject
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, docError("the document has data after its JSON object")
	}
	return m, nil
}

// has reports whether the member is present with a value other than null.
func (m members) has(name string) bool {
	v, ok := m[name]
	return ok && !bytes.Equal(v, []byte("null"))
}

// str returns a string member; ok is false when it is absent or null.
func (m members) str(name string) (s string, ok bool, e *Error) {
	if !m.has(name) {
		return "", false, nil
	}
	if err := json.Unmarshal(m[name], &s); err != nil {
		return "", false, docError("%s must be a string", name)
	}
	return s, true, nil
}

// strs returns an array-of-strings member; ok is false when it is absent or null.
func (m members) strs(name string) (ss []string, ok bool, e *Error) {
	if !m.has(name) {
		return nil, false, nil
	}
	if err := json.Unmarshal(m[name], &ss); err != nil || ss == nil {
		return nil, false, docError("%s must be an array of strings", name)
	}
	return ss, true, nil
}

// checkAuth applies the draft's credential rules (section 4.1): no shared secret of any
// kind, no private key; and this server's: token_endpoint_auth_method is "none" (or
// absent, which means "none" here: the RFC 7591 default, client_secret_basic, is
// impossible for such a client).
func (m members) checkAuth() *Error {
	if m.has("client_secret") || m.has("client_secret_expires_at") {
		return docError("the document must not hold a client_secret")
	}
	method, ok, e := m.str("token_endpoint_auth_method")
	switch {
	case e != nil:
		return e
	case !ok || method == "none":
	case method == "private_key_jwt":
		return docError("token_endpoint_auth_method private_key_jwt is not supported by this server; use none")
	case method == "client_secret_basic" || method == "client_secret_post" || method == "client_secret_jwt":
		return docError("token_endpoint_auth_method must not use a shared secret")
	default:
		return docError("token_endpoint_auth_method is not supported; use none")
	}
	return m.checkJWKS()
}

// privateJWKMembers are the JWK members (RFC 7518 section 6) that only a private or
// symmetric key has.
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// checkJWKS refuses a jwks member that is not a JWK Set or that holds private or
// symmetric key material (the draft: only public keys may be published).
func (m members) checkJWKS() *Error {
	if !m.has("jwks") {
		return nil
	}
	var set struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(m["jwks"], &set); err != nil || set.Keys == nil {
		return docError("jwks must be a JWK Set")
	}
	for _, k := range set.Keys {
		for _, name := range privateJWKMembers {
			if _, ok := k[name]; ok {
				return docError("jwks must not hold private or symmetric key material")
			}
		}
	}
	return nil
}

// redirectURIs returns redirect_uris: required, non-empty, each valid, repeats dropped.
func (m members) redirectURIs() ([]string, *Error) {
	uris, ok, e := m.strs("redirect_uris")
	switch {
	case e != nil:
		return nil, e
	case !ok || len(uris) == 0:
		return nil, docError("redirect_uris is missing or empty")
	}
	var out []string
	for i, u := range uris {
		if err := redirecturi.ValidateRegistered(u); err != nil {
			return nil, docError("redirect_uris[%d] is not a valid redirect URI: %s", i, redirectReason(err))
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// name returns client_name, trimmed: plain text of at most maxNameLen bytes.
func (m members) name() (string, *Error) {
	s, ok, e := m.str("client_name")
	if e != nil || !ok {
		return "", e
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", docError("client_name is blank")
	case len(s) > maxNameLen:
		return "", docError("client_name is longer than %d bytes", maxNameLen)
	case !plainText(s):
		return "", docError("client_name must be plain text")
	}
	return s, nil
}

// plainText reports whether s has no character that could disguise what a page shows:
// control characters, format characters (bidirectional overrides, zero-width joiners),
// line and paragraph separators, and the replacement character that stands for invalid
// UTF-8 in the document.
func plainText(s string) bool {
	for _, c := range s {
		if c == unicode.ReplacementChar || unicode.In(c, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			return false
		}
	}
	return true
}

// webURI returns a member that must be an absolute https URL (client_uri, logo_uri), or
// "" when absent. Other schemes are refused: a page may link to or load the URL.
func (m members) webURI(name string) (string, *Error) {
	s, ok, e := m.str(name)
	if e != nil || !ok {
		return "", e
	}
	bad := docError("%s must be an https URL", name)
	if len(s) > maxWebURILen {
		return "", docError("%s is longer than %d bytes", name, maxWebURILen)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return "", bad
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || !strings.HasPrefix(s, "https://") || u.Host == "" || u.User != nil {
		return "", bad
	}
	return s, nil
}

// scopes returns the names of scope (space-separated, RFC 7591 section 2), sorted and
// without repeats; nil when absent.
func (m members) scopes() ([]string, *Error) {
	s, ok, e := m.str("scope")
	if e != nil || !ok {
		return nil, e
	}
	var names []string
	for name := range strings.SplitSeq(s, " ") {
		if name == "" {
			continue
		}
		if !scopes.ValidName(name) {
			return nil, docError("scope item %d is not a valid scope name", len(names)+1)
		}
		if names = append(names, name); len(names) > scopes.MaxNames {
			return nil, docError("scope has more than %d names", scopes.MaxNames)
		}
	}
	return scopes.New(names...).Names(), nil
}

// grantTypes checks grant_types and response_types and returns the grant types: only
// authorization_code (required) and refresh_token, with response type code.
func (m members) grantTypes() ([]string, *Error) {
	rts, ok, e := m.strs("response_types")
	if e != nil {
		return nil, e
	}
	if ok && (len(rts) == 0 || slices.ContainsFunc(rts, func(t string) bool { return t != "code" })) {
		return nil, docError("response_types must be code only")
	}
	gts, ok, e := m.strs("grant_types")
	switch {
	case e != nil:
		return nil, e
	case !ok:
		return []string{"authorization_code"}, nil
	}
	var out []string
	for _, g := range gts {
		if g != "authorization_code" && g != "refresh_token" {
			return nil, docError("grant_types may hold only authorization_code and refresh_token")
		}
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	if !slices.Contains(out, "authorization_code") {
		return nil, docError("grant_types must include authorization_code")
	}
	return out, nil
}
