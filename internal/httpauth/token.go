package httpauth

// MaxTokenLength is the longest token accepted, in bytes. Opaque tokens are ~50 bytes and
// JWT access tokens well under 2 KiB; anything longer is refused as malformed before any
// validator sees it.
const MaxTokenLength = 4096

// notTokenChar is 1 for every byte that is not a token character, 0 for those of an RFC
// 6750 §2.1 b64token (ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "="
// padding) plus ':', which oauthkit's prefixed tokens ("oak:at_…") contain.
var notTokenChar = func() (t [256]uint8) {
	for i := range t {
		t[i] = 1
	}
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/:") {
		t[c] = 0
	}
	return t
}()

// ValidToken reports whether s is 1 to [MaxTokenLength] token characters: those of an
// RFC 6750 §2.1 b64token plus ':', with '=' only at the end. It runs on every request: the
// loop ORs table entries four bytes at a time, without a branch per byte (about twice as
// fast as testing each byte).
func ValidToken(s string) bool {
	if s == "" || len(s) > MaxTokenLength {
		return false
	}
	end := len(s)
	for end > 0 && s[end-1] == '=' {
		end--
	}
	if end == 0 {
		return false
	}
	s = s[:end]
	var b0, b1, b2, b3 uint8
	for len(s) >= 4 {
		b0 |= notTokenChar[s[0]]
		b1 |= notTokenChar[s[1]]
		b2 |= notTokenChar[s[2]]
		b3 |= notTokenChar[s[3]]
		s = s[4:]
	}
	for i := 0; i < len(s); i++ {
		b0 |= notTokenChar[s[i]]
	}
	return b0|b1|b2|b3 == 0
}
