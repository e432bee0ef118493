package flows

import "net/http"

// throttleKey is what failed authentications are counted by: the identity tried and the
// address it was tried from (Config.ClientAddr). Counting by identity alone would let
// anyone lock a client (or an account) out by failing on purpose; with the address, a
// guesser only locks itself out.
func (s *Server) throttleKey(id string, r *http.Request) string {
	return id + "\x00" + s.cfg.ClientAddr(r).String()
}
