package sqlstore

import "context"

// Hooks for the tests of package sqlstore_test.

// SetBatch sets the DeleteExpired batch size of s.
func SetBatch(s *Store, n int) { s.batch = n }

// MigrateTo applies the migrations up to version target, as an older release would have.
func MigrateTo(ctx context.Context, s *Store, target int) error {
	ms, err := s.f.migrations()
	if err != nil {
		return err
	}
	return s.migrateTo(ctx, ms, target)
}

// MigrationNames returns the file names of d's migrations, in order.
func MigrationNames(d Dialect) ([]string, error) {
	f, err := d.flavor()
	if err != nil {
		return nil, err
	}
	ms, err := f.migrations()
	var names []string
	for _, m := range ms {
		names = append(names, m.name)
	}
	return names, err
}

// Unprepared returns how many statements transactions have run without a prepared
// statement on stores that prepare them, since the program started.
func Unprepared() int64 { return unprepared.Load() }

// SetBatchHooks sets the test hooks of the group commit of s, a SQLite store not yet
// used: full runs when an issuance finds the queue full, queued after an issuance joined
// the queue, begin before each batch's transaction begins and commit before its COMMIT, on
// the writer goroutine.
func SetBatchHooks(s *Store, full, queued func(), begin func(jobs int), commit func()) {
	s.commits.hooks = batchHooks{full: full, queued: queued, begin: begin, commit: commit}
}

// SetQueueBound sets how many issuances of s, a SQLite store not yet used, may wait for
// the writer or be written.
func SetQueueBound(s *Store, n int) { s.commits.slots = make(chan struct{}, n) }

// GroupQueries are the queries that count and read the live tokens of a group, with the
// index each reads.
var GroupQueries = []struct{ Query, Index string }{
	{countInAccountGroup, "oauthkit_tokens_group"}, {oldestInAccountGroup, "oauthkit_tokens_group"},
	{countInCustomerGroup, "oauthkit_tokens_customer_live"}, {oldestInCustomerGroup, "oauthkit_tokens_customer_live"},
	{countInClientGroup, "oauthkit_tokens_group"}, {oldestInClientGroup, "oauthkit_tokens_group"},
}
