package redirecturi

import "strings"

// checkPath applies the path rules of the package documentation to a raw path, "" or
// starting with '/': no traversal in any spelling and only RFC 3986 §6.2.2 normal-form
// escapes, so that the raw path Match compares is the only way to read it.
func checkPath(p string) error {
	if p == "" {
		return nil
	}
	if strings.Contains(p, "//") {
		return invalid("double slash in path")
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if err := checkSegment(seg); err != nil {
			return err
		}
	}
	return nil
}

// checkSegment checks one raw path segment. Traversal reasons come before the normal-form
// check so that "%2e%2e" is reported as traversal.
func checkSegment(raw string) error {
	decoded := make([]byte, 0, len(raw))
	normal := true
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%':
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return invalid("malformed percent-encoding in path")
			}
			// Normal form: uppercase hex digits, unreserved characters not escaped.
			d := unhex(raw[i+1])<<4 | unhex(raw[i+2])
			if isUnreserved(d) || isLowerHex(raw[i+1]) || isLowerHex(raw[i+2]) {
				normal = false
			}
			decoded = append(decoded, d)
			i += 2
		case c == '[' || c == ']' || c == '\\':
			// RFC 3986 §3.3: not a pchar.
			return invalid("character not allowed in path")
		default:
			decoded = append(decoded, c)
		}
	}
	// Tomcat and friends read "..;x" as ".."; Windows trims trailing dots and spaces: refuse
	// every segment that is only dots (and spaces) before its parameters.
	base := decoded
	if j := strings.IndexByte(string(decoded), ';'); j >= 0 {
		base = decoded[:j]
	}
	if strings.Contains(string(base), ".") && strings.Trim(string(base), ". ") == "" {
		return invalid("path traversal")
	}
	for _, d := range decoded {
		switch {
		case d == '/' || d == '\\':
			return invalid("encoded slash or backslash in path")
		case d == '%':
			return invalid("encoded percent sign in path")
		case d < ' ' || d == 0x7f:
			return invalid("control character in path")
		case d >= 0x80:
			return invalid("non-ASCII character in path")
		}
	}
	if !normal {
		return invalid("path not in normal form")
	}
	return nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isLowerHex(c byte) bool { return c >= 'a' && c <= 'f' }

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
