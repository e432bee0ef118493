package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// Group commit of issuances on SQLite. A SQLite file has one writer, and each commit
// waits for the disk (an fsync of the WAL under the default synchronous=FULL): a quarter of
// an issuance's time, during which every other issuance waits for the writer. So concurrent
// issuances share commits: a writer goroutine takes every issuance that waits (up to
// maxBatch), runs each in a SAVEPOINT of its own inside one BEGIN IMMEDIATE transaction,
// commits once, and then answers each caller. An issuance that fails rolls back to its
// savepoint, undoing only its own writes, and the others commit. Nobody is answered before
// the COMMIT holding their write has returned, so durability is that of the database's
// synchronous setting, as without batching. Each issuance sees the writes of those before
// it in the batch, so limits, caps, code redemption and rotation behave as if they had
// committed one by one.
//
// The queue is bounded (queueBound issuances waiting or being written); a caller waits for
// room, or until its context is done. A caller whose context is done before its issuance's
// savepoint begins gets the context's error, and nothing of its issuance is written; once
// its writes have begun, it waits for the commit, which is short, so that its answer says
// what happened. The writer goroutine exits when the queue is empty: an idle store runs
// none.

const (
	// maxBatch is how many issuances one transaction holds at most.
	maxBatch = 64
	// defaultQueueBound is how many issuances may wait for the writer or be written.
	defaultQueueBound = 1024
)

// committer batches the write transactions of one store.
type committer struct {
	s     *Store
	slots chan struct{} // a token per queued or running job: the queue's bound
	mu    sync.Mutex
	queue []*job
	// running is set while a writer goroutine runs; it clears it when it finds the queue
	// empty, under mu.
	running bool
	hooks   batchHooks
}

// batchHooks let tests hold the writer at its steps; all nil outside tests.
type batchHooks struct {
	full   func()         // when a job finds the queue full, before it waits for room
	queued func()         // after a job joined the queue
	begin  func(jobs int) // before a batch's transaction begins
	commit func()         // before a batch's COMMIT
}

func newCommitter(s *Store, bound int) *committer {
	return &committer{s: s, slots: make(chan struct{}, bound)}
}

// job is one write transaction's work, run in a savepoint of a batch with the writer's
// context.
type job struct {
	fn    func(ctx context.Context, tx *sql.Tx) error
	state atomic.Int32
	done  chan error // buffered: the writer never waits for the caller
}

// The states of a job: pending until the writer starts it or its caller gives up on it.
const (
	jobPending int32 = iota
	jobStarted
	jobCanceled
)

// start reports whether j is to run: it has started before (a batch run again), or its
// caller has not given up on it.
func (j *job) start() bool {
	return j.state.CompareAndSwap(jobPending, jobStarted) || j.state.Load() == jobStarted
}

// do runs fn in the next batch and returns its error, or the batch's when the batch could
// not commit.
func (c *committer) do(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case c.slots <- struct{}{}:
	default: // the queue is full
		if c.hooks.full != nil {
			c.hooks.full()
		}
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	j := &job{fn: fn, done: make(chan error, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, j)
	start := !c.running
	c.running = true
	c.mu.Unlock()
	if c.hooks.queued != nil {
		c.hooks.queued()
	}
	if start {
		go c.run()
	}
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobPending, jobCanceled) {
			return ctx.Err()
		}
		return <-j.done // its writes have begun: the commit decides
	}
}

// run writes batches until the queue is empty.
func (c *committer) run() {
	for {
		c.mu.Lock()
		n := min(len(c.queue), maxBatch)
		if n == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		batch := make([]*job, n)
		copy(batch, c.queue)
		c.queue = append(c.queue[:0], c.queue[n:]...)
		c.mu.Unlock()
		c.write(batch)
	}
}

// write runs batch in one transaction, retrying it whole after a transient failure, and
// then answers its jobs.
func (c *committer) write(batch []*job) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	err := c.s.warm(ctx)
	if err == nil {
		err = c.s.retry(ctx, func() error { return c.attempt(ctx, batch, errs) })
	}
	for i, j := range batch {
		if err != nil {
			errs[i] = err
		}
		j.done <- errs[i]
		<-c.slots
	}
}

// attempt runs the jobs of batch that are to run, each in its savepoint, and commits. A
// job's error is its own, in errs; attempt's error, the whole transaction's, is everyone's.
func (c *committer) attempt(ctx context.Context, batch []*job, errs []error) error {
	if c.hooks.begin != nil {
		c.hooks.begin(len(batch))
	}
	s := c.s
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for i, j := range batch {
		errs[i] = nil
		if !j.start() {
			continue
		}
		if _, err := s.txExec(ctx, tx, savepoint); err != nil {
			tx.Rollback()
			return err
		}
		if errs[i] = j.fn(ctx, tx); errs[i] != nil {
			if s.f.isTransient(errs[i]) {
				tx.Rollback()
				return errs[i] // the batch runs again
			}
			// A statement that failed undid itself; this undoes the job's earlier ones. If
			// SQLite rolled the whole transaction back instead (an I/O error, a full disk),
			// this fails, and so does the batch.
			if _, err := s.txExec(ctx, tx, rollbackToSavepoint); err != nil {
				tx.Rollback()
				return err
			}
		}
		if _, err := s.txExec(ctx, tx, releaseSavepoint); err != nil {
			tx.Rollback()
			return err
		}
	}
	if c.hooks.commit != nil {
		c.hooks.commit()
	}
	return tx.Commit()
}

// The savepoint of a job. Each is released before the next begins, so one name serves.
const (
	savepoint           = "SAVEPOINT oauthkit_issue"
	rollbackToSavepoint = "ROLLBACK TO oauthkit_issue"
	releaseSavepoint    = "RELEASE oauthkit_issue"
)
