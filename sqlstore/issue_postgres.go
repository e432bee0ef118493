package sqlstore

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oauthkit/oauthkit/store"
)

// On PostgreSQL, IssueTokens is one call of the function oauthkit_issue_tokens (migration
// 0005), in autocommit: one statement, one round trip, its own transaction. The function
// runs the steps that [Store.issue] runs on SQLite, in the same order, after taking the
// advisory locks that issueLocks names; each of its statements reads a snapshot taken after
// the locks, so it counts what every earlier holder of a group's lock committed. A failed
// check raises one of the SQLSTATEs below, and the statement, like any that fails, changes
// nothing. The tokens and the groups go as JSON arrays, so that the call needs no array
// support from the driver.

// issuePostgres is the statement of an issuance on PostgreSQL.
const issuePostgres = "SELECT * FROM oauthkit_issue_tokens($1, $2, $3, $4, $5, $6, $7)"

// issueGracePostgres is the statement of an issuance that rotates with a grace (see
// [store.Issue.RotatedWithin]): migration 0009's oauthkit_issue_tokens_grace, which takes
// the same arguments and the start of the window and the most repeats.
const issueGracePostgres = "SELECT * FROM oauthkit_issue_tokens_grace($1, $2, $3, $4, $5, $6, $7, $8, $9)"

// The SQLSTATEs that oauthkit_issue_tokens raises, and the errors they stand for.
var issueErrors = map[string]error{
	"OAK01": conflict("consuming a code: already consumed"),
	"OAK02": notFound("consuming a code"),
	"OAK03": conflict("rotating a refresh token: already rotated"),
	"OAK04": notFound("rotating a refresh token"),
	"OAK05": notFound("issuing tokens: the required token is not live"),
	"OAK06": fmt.Errorf("sqlstore: issuing tokens: a cap is reached: %w", store.ErrLimitReached),
}

// issueCall runs is on PostgreSQL and returns the IDs of the tokens its limits evicted.
func (s *Store) issueCall(ctx context.Context, now time.Time, is store.Issue) ([]string, error) {
	rs := rules(is)
	if len(rs) == 0 && is.ConsumeCode.IsZero() && is.RotateID == "" && is.RequireID == "" {
		return nil, s.insertOnly(ctx, is.Tokens)
	}
	locks, err := json.Marshal(append([]int64{}, issueLocks(is, rs)...)) // [], not null
	if err != nil {
		return nil, err
	}
	tokens, err := tokenRows(is.Tokens)
	if err != nil {
		return nil, err
	}
	groups, err := json.Marshal(ruleRows(rs))
	if err != nil {
		return nil, err
	}
	var consume any // NULL: no code
	if !is.ConsumeCode.IsZero() {
		consume = hashArg(is.ConsumeCode)
	}
	query, args := issuePostgres, []any{s.f.timeArg(now), string(locks), consume,
		is.RotateID, is.RequireID, string(tokens), string(groups)}
	if is.RotateID != "" && graced(is) {
		query, args = issueGracePostgres, append(args, s.f.timeArg(now.Add(-is.RotatedWithin)), is.MaxRepeats)
	}
	var removed []string
	err = s.retry(ctx, func() error {
		removed = removed[:0]
		rows, err := s.db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			removed = append(removed, id)
		}
		return errors.Join(rows.Err(), rows.Close())
	})
	if e, ok := issueErrors[pgCode(err)]; ok {
		return nil, e
	}
	return removed, err
}

// insertOnly stores toks with one INSERT in autocommit: an issuance that nothing limits,
// caps or conditions (client_credentials, say) takes no lock and needs no function, whose
// call and JSON cost as much again as the insert.
func (s *Store) insertOnly(ctx context.Context, toks []store.Token) error {
	if len(toks) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString("INSERT INTO oauthkit_tokens (" + tokenColumns + ") VALUES ")
	args := make([]any, 0, len(toks)*18)
	for i, t := range toks {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for c := range 18 {
			if c > 0 {
				q.WriteString(", ")
			}
			q.WriteString("$" + strconv.Itoa(len(args)+c+1))
		}
		q.WriteByte(')')
		args = append(args, t.ID, hashArg(t.Hash), string(t.Kind), t.Name, t.ClientID, t.AccountID,
			t.OrganizationID, t.CustomerID, listArg(t.Scopes), t.FamilyID, t.RefreshID, t.FromRefresh,
			s.f.timeArg(t.IssuedAt), s.f.timeArg(t.ExpiresAt), s.f.nullTimeArg(t.RotatedAt),
			sealedArg(t.SealedRefresh), s.f.nullTimeArg(t.GrantedAt), listArg(t.Audience))
	}
	return s.retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, q.String(), args...)
		return err
	})
}

// tokenRow is a token as oauthkit_issue_tokens inserts it: a row of oauthkit_tokens in the
// JSON that jsonb_populate_recordset reads (bytea in hex, times in RFC 3339, NULL as null).
type tokenRow struct {
	ID             string  `json:"id"`
	Hash           string  `json:"hash"`
	Kind           string  `json:"kind"`
	Name           string  `json:"name"`
	ClientID       string  `json:"client_id"`
	AccountID      string  `json:"account_id"`
	OrganizationID string  `json:"organization_id"`
	CustomerID     string  `json:"customer_id"`
	Scopes         string  `json:"scopes"`
	FamilyID       string  `json:"family_id"`
	RefreshID      string  `json:"refresh_id"`
	FromRefresh    bool    `json:"from_refresh"`
	IssuedAt       string  `json:"issued_at"`
	ExpiresAt      string  `json:"expires_at"`
	RotatedAt      *string `json:"rotated_at"`
	SealedRefresh  *string `json:"sealed_refresh"`
	GrantedAt      *string `json:"granted_at"`
	Audience       string  `json:"audience"`
}

// tokenRows encodes toks for oauthkit_issue_tokens. JSON would replace invalid UTF-8 in a
// string silently, and PostgreSQL's text type holds no NUL: a token with such a string is
// refused, as PostgreSQL refuses it in a parameter.
func tokenRows(toks []store.Token) ([]byte, error) {
	rows := make([]tokenRow, len(toks))
	for i, t := range toks {
		strs := []any{t.ID, string(t.Kind), t.Name, t.ClientID, t.AccountID, t.OrganizationID, t.CustomerID,
			t.FamilyID, t.RefreshID}
		strs = append(strs, anys(t.Scopes)...)
		strs = append(strs, anys(t.Audience)...)
		if !textArgs(strs) {
			return nil, errors.New("sqlstore: issuing tokens: a token's text is not valid UTF-8 without NUL")
		}
		rows[i] = tokenRow{
			ID: t.ID, Hash: byteaText(t.Hash[:]), Kind: string(t.Kind), Name: t.Name, ClientID: t.ClientID,
			AccountID: t.AccountID, OrganizationID: t.OrganizationID, CustomerID: t.CustomerID,
			Scopes: listArg(t.Scopes), FamilyID: t.FamilyID, RefreshID: t.RefreshID, FromRefresh: t.FromRefresh,
			IssuedAt: timeText(t.IssuedAt), ExpiresAt: timeText(t.ExpiresAt), RotatedAt: nullTimeText(t.RotatedAt),
			GrantedAt: nullTimeText(t.GrantedAt), Audience: listArg(t.Audience),
		}
		if len(t.SealedRefresh) > 0 {
			sealed := byteaText(t.SealedRefresh)
			rows[i].SealedRefresh = &sealed
		}
	}
	return json.Marshal(rows)
}

func anys(l []string) []any {
	out := make([]any, len(l))
	for i, v := range l {
		out[i] = v
	}
	return out
}

// byteaText is b in PostgreSQL's hex input format of bytea.
func byteaText(b []byte) string { return `\x` + hex.EncodeToString(b) }

// timeText is t as the postgres flavor stores it (UTC, microseconds), in RFC 3339.
func timeText(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z07:00")
}

func nullTimeText(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := timeText(t)
	return &s
}

// ruleRow is a rule as oauthkit_issue_tokens reads it.
type ruleRow struct {
	Kind     string `json:"kind"`
	ClientID string `json:"client_id"`
	Group    string `json:"grp"`
	Owner    string `json:"owner_id"`
	Limit    int    `json:"lim"`
	Cap      int    `json:"cap"`
	Adding   int    `json:"adding"`
}

func ruleRows(rs []rule) []ruleRow {
	out := make([]ruleRow, len(rs))
	for i, r := range rs {
		out[i] = ruleRow{string(r.kind), r.clientID, string(r.by), r.owner, r.limit, r.cap, r.adding}
	}
	return out
}
