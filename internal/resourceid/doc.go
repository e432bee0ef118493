// Package resourceid parses and compares resource identifiers: the absolute URIs that
// name a protected resource in RFC 8707 resource indicators, in the audience of a token
// issued for one, and in RFC 9728 protected resource metadata. The authorization server
// (which binds tokens to resources) and the resource-server middleware (which checks
// them) share it, so that both sides agree on when two identifiers name the same
// resource.
//
// [Canonical] accepts an absolute http or https URI without user information and
// without fragment, and returns its canonical form:
//
//   - scheme and host are lowercased (they are case-insensitive, RFC 3986 §3.1, §3.2.2);
//     an IPv6 literal takes its RFC 5952 spelling;
//   - the port is dropped when it is the scheme's default (80, 443) or empty, and
//     written without leading zeros otherwise;
//   - an empty path and the path "/" are the same, and written as nothing:
//     "https://api.example.com/" becomes "https://api.example.com" (the form the MCP
//     authorization specification recommends). Any other path is kept as is, trailing
//     slash included: "https://api.example.com/mcp" and "https://api.example.com/mcp/"
//     are different resources, and paths are case-sensitive;
//   - in the path, percent-encodings are written with uppercase hex digits, and those of
//     unreserved characters are decoded (RFC 3986 §6.2.2);
//   - the query, when there is one, is kept exactly as written and compared exactly.
//
// Everything that could make two spellings of one resource compare unequal, or two
// resources compare equal, in a way a reader would not expect is refused instead of
// normalised: user information, a fragment (even an empty one), an empty query ("?"
// alone), "." and ".." path segments (raw or percent-encoded), percent-encoded slashes
// and backslashes in the path, a host with anything but letters, digits, '-', '_' and
// non-empty dot-separated labels (or an IPv6 literal without zone), port 0, characters
// outside RFC 3986, non-ASCII, and identifiers longer than [MaxLen] bytes.
//
// [Equal] compares two identifiers by their canonical forms; an invalid identifier equals
// nothing. [WellKnown] builds the RFC 9728 §3.1 (and RFC 8414 §3.1) metadata URL of an
// identifier by inserting a well-known path between its host and its path.
package resourceid
