package middleware

import "testing"

// TestAccountFromSubject: a token whose sub is its client (client credentials, RFC 9068
// §2.2) acts for no account; otherwise sub names the account when account_id is absent.
func TestAccountFromSubject(t *testing.T) {
	for _, tc := range []struct{ accountID, sub, clientID, want string }{
		{"acc-1", "acc-1", "app", "acc-1"},
		{"", "acc-1", "app", "acc-1"},
		{"", "app", "app", ""},
		{"acc-1", "app", "app", "acc-1"},
	} {
		if got := accountFromSubject(tc.accountID, tc.sub, tc.clientID); got != tc.want {
			t.Errorf("accountFromSubject(%q, %q, %q) = %q, want %q", tc.accountID, tc.sub, tc.clientID, got, tc.want)
		}
	}
}
