package flows

import "net/http"

// throttleKey is what failed authentications are counted by: the identity tried and the
// address it was tried from (Config.ClientAddr). Counting by identity alone would let
// anyone lock a client (or an account) out by failing on purpose; with the address, a
// guesser only locks itself out.
// The identity holds no NUL (checkText), so the key is unambiguous; it is built in one
// allocation.
func (s *Server) throttleKey(id string, r *http.Request) string {
	var buf [96]byte
	b := append(append(buf[:0], id...), 0)
	return string(s.cfg.ClientAddr(r).AppendTo(b))
}
