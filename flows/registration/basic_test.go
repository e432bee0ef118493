package registration_test

import (
	"encoding/base64"
	"net/url"
)

// basic is an Authorization header of client_secret_basic (RFC 6749 §2.3.1).
func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}
