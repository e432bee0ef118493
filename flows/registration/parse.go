package registration

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oauthkit/oauthkit/flows/internal/form"
	"github.com/oauthkit/oauthkit/redirecturi"
	"github.com/oauthkit/oauthkit/scopes"
)

// Bounds of a registration request's members, besides Config.Limits.
const (
	maxNameLen    = 255  // client_name, software_id, software_version
	maxWebURILen  = 2048 // client_uri, logo_uri, tos_uri, policy_uri
	maxContacts   = 10
	maxContactLen = 320 // an email address
	maxTypes      = 10  // grant_types, response_types
	maxIDLen      = 255 // client_id, in an update
	maxSecretLen  = 512 // client_secret, in an update
)

// request is a registration or update request as sent: each member checked for its type,
// size and syntax, not yet for what this server allows. A member that is absent or null is
// not set (its has… field false).
type request struct {
	redirectURIs     []string
	hasRedirectURIs  bool
	authMethod       string
	hasAuthMethod    bool
	grantTypes       []string
	hasGrantTypes    bool
	responseTypes    []string
	hasResponseTypes bool
	scope            []string // valid scope names, sorted, without repeats
	hasScope         bool

	name, clientURI, logoURI, tosURI, policyURI string
	contacts                                    []string
	softwareID, softwareVersion                 string
	softwareStatement                           string

	// Members of an update (RFC 7592 §2.2): the client's identity, which must be its own.
	clientID        string
	hasClientID     bool
	clientSecret    string
	hasClientSecret bool
}

// members are the request's top-level members, by exact name (RFC 7591 member names are
// case sensitive).
type members map[string]json.RawMessage

// parseRequest reads body, a registration or update request (RFC 7591 §3.1, RFC 7592
// §2.2), with at most maxRedirects redirect URIs. Unknown members are ignored (RFC 7591
// §2). A refusal is invalid_redirect_uri for redirect_uris and invalid_client_metadata for
// anything else; its description names the member, never quotes the value.
func parseRequest(body []byte, maxRedirects int) (request, *answer) {
	m, a := readObject(body)
	if a != nil {
		return request{}, a
	}
	var q request
	var ok bool
	if q.redirectURIs, q.hasRedirectURIs, a = m.redirectURIs(maxRedirects); a != nil {
		return request{}, a
	}
	if q.authMethod, q.hasAuthMethod, a = m.token("token_endpoint_auth_method"); a != nil {
		return request{}, a
	}
	if q.grantTypes, q.hasGrantTypes, a = m.tokens("grant_types"); a != nil {
		return request{}, a
	}
	if q.responseTypes, q.hasResponseTypes, a = m.tokens("response_types"); a != nil {
		return request{}, a
	}
	if q.scope, q.hasScope, a = m.scope(); a != nil {
		return request{}, a
	}
	if q.name, a = m.plain("client_name", maxNameLen); a != nil {
		return request{}, a
	}
	for _, u := range []struct {
		name string
		v    *string
	}{{"client_uri", &q.clientURI}, {"logo_uri", &q.logoURI}, {"tos_uri", &q.tosURI}, {"policy_uri", &q.policyURI}} {
		if *u.v, a = m.webURI(u.name); a != nil {
			return request{}, a
		}
	}
	if q.contacts, a = m.contacts(); a != nil {
		return request{}, a
	}
	if q.softwareID, a = m.plain("software_id", maxNameLen); a != nil {
		return request{}, a
	}
	if q.softwareVersion, a = m.plain("software_version", maxNameLen); a != nil {
		return request{}, a
	}
	if q.softwareStatement, ok, a = m.str("software_statement"); a != nil {
		return request{}, a
	} else if ok && (q.softwareStatement == "" || form.CheckText(q.softwareStatement) != nil) {
		return request{}, metadataError("software_statement must be a non-empty string of plain text")
	}
	if q.clientID, q.hasClientID, a = m.str("client_id"); a != nil {
		return request{}, a
	} else if q.hasClientID && (len(q.clientID) > maxIDLen || form.CheckText(q.clientID) != nil) {
		return request{}, metadataError("client_id is malformed")
	}
	if q.clientSecret, q.hasClientSecret, a = m.str("client_secret"); a != nil {
		return request{}, a
	} else if q.hasClientSecret && (len(q.clientSecret) > maxSecretLen || form.CheckText(q.clientSecret) != nil) {
		return request{}, metadataError("client_secret is malformed")
	}
	return q, nil
}

// readObject reads body as exactly one JSON object whose member names are unique: a
// repeated member is refused rather than read as its last value, so that no two readers of
// the request see two different clients.
func readObject(body []byte) (members, *answer) {
	if !utf8.Valid(body) { // encoding/json would quietly read U+FFFD instead
		return nil, metadataError("the request body is not valid UTF-8")
	}
	notObject := metadataError("the request body must be one JSON object")
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
			return nil, metadataError("the request repeats a member")
		}
		m[name] = v
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, notObject
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, metadataError("the request body has data after its JSON object")
	}
	return m, nil
}

// has reports whether the member is present with a value other than null.
func (m members) has(name string) bool {
	v, ok := m[name]
	return ok && !bytes.Equal(v, []byte("null"))
}

// str returns a string member; ok is false when it is absent or null.
func (m members) str(name string) (s string, ok bool, a *answer) {
	if !m.has(name) {
		return "", false, nil
	}
	if err := json.Unmarshal(m[name], &s); err != nil {
		return "", false, metadataError("%s must be a string", name)
	}
	return s, true, nil
}

// strs returns an array-of-strings member of at most max items; ok is false when it is
// absent or null.
func (m members) strs(name string, max int) (ss []string, ok bool, a *answer) {
	if !m.has(name) {
		return nil, false, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(m[name], &raw); err != nil || raw == nil {
		return nil, false, metadataError("%s must be an array of strings", name)
	}
	if len(raw) > max {
		return nil, false, metadataError("%s has more than %d items", name, max)
	}
	ss = make([]string, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &ss[i]); err != nil {
			return nil, false, metadataError("%s must be an array of strings", name)
		}
	}
	return ss, true, nil
}

// token returns a member that is one protocol value (an authentication method): ASCII
// without spaces or controls.
func (m members) token(name string) (string, bool, *answer) {
	s, ok, a := m.str(name)
	if a != nil || !ok {
		return "", false, a
	}
	if !protocolValue(s) {
		return "", false, metadataError("%s is not a valid value", name)
	}
	return s, true, nil
}

// tokens returns an array of protocol values without repeats (grant_types,
// response_types).
func (m members) tokens(name string) ([]string, bool, *answer) {
	ss, ok, a := m.strs(name, maxTypes)
	if a != nil || !ok {
		return nil, false, a
	}
	var out []string
	for i, s := range ss {
		if !protocolValue(s) {
			return nil, false, metadataError("%s is not a valid value", describe(name, i))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, true, nil
}

// protocolValue reports whether s is 1 to 255 printable ASCII characters without spaces:
// what every grant type, response type and authentication method is (URIs included).
func protocolValue(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// redirectURIs returns redirect_uris, each valid for redirecturi.ValidateRegistered,
// repeats dropped.
func (m members) redirectURIs(max int) ([]string, bool, *answer) {
	if !m.has("redirect_uris") {
		return nil, false, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(m["redirect_uris"], &raw); err != nil || raw == nil {
		return nil, false, redirectError("redirect_uris must be an array of strings")
	}
	if len(raw) > max {
		return nil, false, redirectError("redirect_uris has more than %d items", max)
	}
	var out []string
	for i, r := range raw {
		var u string
		if err := json.Unmarshal(r, &u); err != nil {
			return nil, false, redirectError("redirect_uris must be an array of strings")
		}
		if err := redirecturi.ValidateRegistered(u); err != nil {
			return nil, false, redirectError("%s is not a valid redirect URI: %s", describe("redirect_uris", i), reason(err))
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out, true, nil
}

// reason is the fixed reason of a redirecturi error (its text after the package's
// prefix), which never quotes the URI.
func reason(err error) string {
	s := err.Error()
	if _, after, ok := strings.Cut(s, ": "); ok {
		s = after
	}
	if _, after, ok := strings.Cut(s, ": "); ok {
		return after
	}
	return s
}

// scope returns the names of scope (space-separated, RFC 7591 §2), sorted and without
// repeats.
func (m members) scope() ([]string, bool, *answer) {
	s, ok, a := m.str("scope")
	if a != nil || !ok {
		return nil, false, a
	}
	var names []string
	n := 0
	for name := range strings.SplitSeq(s, " ") {
		if name == "" {
			continue
		}
		if n++; n > scopes.MaxNames {
			return nil, false, metadataError("scope has more than %d names", scopes.MaxNames)
		}
		if !scopes.ValidName(name) {
			return nil, false, metadataError("scope item %d is not a valid scope name", n)
		}
		names = append(names, name)
	}
	return scopes.New(names...).Names(), true, nil
}

// plain returns a member of plain text (see plainText), trimmed, of at most max bytes; ""
// when absent.
func (m members) plain(name string, max int) (string, *answer) {
	s, ok, a := m.str(name)
	if a != nil || !ok {
		return "", a
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", metadataError("%s is blank", name)
	case len(s) > max:
		return "", metadataError("%s is longer than %d bytes", name, max)
	case !plainText(s):
		return "", metadataError("%s must be plain text", name)
	}
	return s, nil
}

// plainText reports whether s is valid UTF-8 without any character that could disguise
// what a page shows: control characters (refused everywhere in oauthkit), format
// characters (bidirectional overrides, zero-width joiners), line and paragraph
// separators, and the replacement character, which stands for invalid UTF-8.
func plainText(s string) bool {
	if form.CheckText(s) != nil {
		return false
	}
	for _, c := range s {
		if c == utf8.RuneError || unicode.In(c, unicode.Cf, unicode.Zl, unicode.Zp) {
			return false
		}
	}
	return true
}

// webURI returns a member that must be an absolute https URL (client_uri, logo_uri,
// tos_uri, policy_uri), or "" when absent: pages may link to or load it.
func (m members) webURI(name string) (string, *answer) {
	s, ok, a := m.str(name)
	if a != nil || !ok {
		return "", a
	}
	if len(s) > maxWebURILen {
		return "", metadataError("%s is longer than %d bytes", name, maxWebURILen)
	}
	bad := metadataError("%s must be an https URL", name)
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

// contacts returns contacts: at most maxContacts items of plain text, repeats dropped.
func (m members) contacts() ([]string, *answer) {
	ss, ok, a := m.strs("contacts", maxContacts)
	if a != nil || !ok {
		return nil, a
	}
	var out []string
	for i, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" || len(s) > maxContactLen || !plainText(s) {
			return nil, metadataError("%s must be plain text of at most %d bytes", describe("contacts", i), maxContactLen)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}
