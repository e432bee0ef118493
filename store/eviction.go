package store

import (
	"cmp"
	"time"
)

// EvictionCandidate is a live token of a limited group, stored before the issuance being
// enforced, as a backend sees it while enforcing [Issue.Limits] or [Issue.ClientLimits].
// The tokens the issuance inserts are never candidates.
type EvictionCandidate struct {
	// ID is the token record's ID.
	ID string
	// IssuedAt is when the token was issued.
	IssuedAt time.Time
}

// CompareEviction orders eviction candidates of one group, first to go first: older
// IssuedAt first, then by ID. Backends sort by it so that every backend evicts the same
// tokens.
func CompareEviction(a, b EvictionCandidate) int {
	return cmp.Or(a.IssuedAt.Compare(b.IssuedAt), cmp.Compare(a.ID, b.ID))
}

// CompareEvictionKind orders the groups of one issuance for enforcement: refresh groups
// first, because evicting a refresh token also removes the access tokens paired with it,
// which may bring an access group back under its limit.
func CompareEvictionKind(a, b TokenKind) int {
	return cmp.Compare(kindRank(a), kindRank(b))
}

func kindRank(k TokenKind) int {
	if k == KindRefresh {
		return 0
	}
	return 1
}
