package queue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"
)

// Defaults applied by NewMemory to MemoryOptions fields left at zero (or
// set to a negative value).
const (
	DefaultWorkers    = 4
	DefaultSize       = 1000
	DefaultJobTimeout = 10 * time.Minute
)

// Errors that Memory reports to MemoryOptions.OnDone for jobs it accepted
// but never ran. Together with the jobs that did run, every accepted job is
// reported to OnDone exactly once, so a metrics hook can count outcomes
// without a second callback.
var (
	// ErrSuperseded: a job with the same key and a different version was
	// enqueued while this one was still waiting.
	ErrSuperseded = errors.New("the job was superseded by a newer version of the same key")
	// ErrDropped: the job was still waiting when the drain deadline given
	// to Shutdown passed.
	ErrDropped = errors.New("the job was dropped when the queue's drain deadline passed")
)

// errNoRun rejects a job that could only fail later, on a worker, where the
// caller could no longer be told.
var errNoRun = errors.New("queue: the job has no Run function")

// MemoryOptions configures NewMemory. The zero value is usable.
type MemoryOptions struct {
	// Workers is how many jobs (of different keys) run at the same time.
	// Default DefaultWorkers.
	Workers int
	// Size is how many jobs may wait (not counting running ones) before
	// Enqueue fails with ErrFull. Default DefaultSize.
	Size int
	// JobTimeout bounds each run: the job's context ends that long after
	// it starts (not after it was enqueued). Default DefaultJobTimeout.
	JobTimeout time.Duration
	// Logger receives the queue's logs. When nil the logs are discarded:
	// a library must not write to slog.Default behind the caller's back.
	Logger *slog.Logger
	// OnDepth, when set, is called with the number of waiting jobs each
	// time it changes. It is called with the queue's lock held, so that
	// the calls arrive in the order of the changes (a gauge set from it
	// never ends on a stale value); it must therefore be quick and must
	// not call back into the queue.
	OnDepth func(waiting int)
	// OnDone, when set, is called once for every accepted job: after Run
	// returns (err is Run's result; for a panic, panicked is true and err
	// describes the panic), or with err ErrSuperseded or ErrDropped and
	// took 0 for a job that never ran. It is called without the lock,
	// from a worker, Enqueue or Shutdown; it must not panic.
	OnDone func(job Job, took time.Duration, err error, panicked bool)
}

// Memory is the in-process Queue. Waiting jobs are lost when the process
// exits; that is acceptable because GitHub lets a user re-deliver a webhook
// or re-run a check, and a durable Queue can replace this one.
//
// Scheduling: each key has a FIFO of waiting jobs. A key whose FIFO is not
// empty and that is not running is "ready"; ready keys form a FIFO served
// by the workers. After a job ends its key goes to the back of that FIFO,
// so a pull request with many pushes cannot starve the others.
//
// Workers are goroutines started on demand, up to Workers of them; a worker
// exits as soon as no key is ready. An idle queue therefore holds no
// goroutine, and there is nothing to leak even if Shutdown is never called.
type Memory struct {
	workers int
	size    int
	timeout time.Duration
	log     *slog.Logger
	onDepth func(int)
	onDone  func(Job, time.Duration, error, bool)

	// base is the parent of every job's context. Cancelling it is how an
	// expired drain deadline reaches the running jobs.
	base   context.Context
	cancel context.CancelFunc

	// wg counts worker goroutines until their very last statement, so that
	// Shutdown can promise that none remains when it returns.
	wg sync.WaitGroup

	mu      sync.Mutex
	keys    map[string]*keyState // keys that are waiting or running
	ready   []*keyState          // keys that can start now, in FIFO order
	waiting int                  // jobs waiting, over all keys
	active  int                  // worker goroutines started and not yet exiting
	seq     uint64               // enqueue counter, orders dropped jobs in logs
	closed  bool                 // Shutdown has begun: Enqueue fails
	// drained is closed once closed is set and no worker remains. No
	// worker left means nothing runs and nothing waits: a worker only
	// exits when no key is ready, and a waiting key that is not running
	// is ready.
	drained chan struct{}
}

// keyState is the state of one key. Invariant: all waiting jobs of a key
// have the same version, because enqueueing a different version drops the
// waiting ones. Superseding can therefore look at the first one only.
type keyState struct {
	key     string
	waiting []entry
	running bool
	current entry // the running job, for the shutdown logs
}

type entry struct {
	job      Job
	seq      uint64
	enqueued time.Time
}

var _ Queue = (*Memory)(nil)

// NewMemory returns an empty queue. Call Shutdown to stop it.
func NewMemory(opts MemoryOptions) *Memory {
	m := &Memory{
		workers: opts.Workers,
		size:    opts.Size,
		timeout: opts.JobTimeout,
		log:     opts.Logger,
		onDepth: opts.OnDepth,
		onDone:  opts.OnDone,
		keys:    make(map[string]*keyState),
		drained: make(chan struct{}),
	}
	if m.workers <= 0 {
		m.workers = DefaultWorkers
	}
	if m.size <= 0 {
		m.size = DefaultSize
	}
	if m.timeout <= 0 {
		m.timeout = DefaultJobTimeout
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.base, m.cancel = context.WithCancel(context.Background())
	return m
}

// Enqueue adds a job without blocking. It fails with ErrClosed once
// Shutdown has begun, and with ErrFull when Size jobs are waiting, unless
// the job supersedes waiting ones: that never grows the queue, and
// refusing it would keep the stale review and lose the fresh one.
//
// The waiting jobs of the same key are dropped (reported to OnDone with
// ErrSuperseded) when job.Version differs from theirs, unless they are
// marked Keep; with an equal version both are kept, since a second request
// for the same head (a re-run) is deliberate. A running job is never
// affected.
//
// An empty Key is a key like any other. A job without Run is refused.
func (m *Memory) Enqueue(job Job) error {
	if job.Run == nil {
		return errNoRun
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	ks := m.keys[job.Key]
	var superseded, kept []entry
	if ks != nil {
		for _, w := range ks.waiting {
			if w.job.Version != job.Version && !w.job.Keep {
				superseded = append(superseded, w)
			} else {
				kept = append(kept, w)
			}
		}
	}
	if superseded == nil && m.waiting >= m.size {
		m.mu.Unlock()
		return ErrFull
	}
	if ks == nil {
		ks = &keyState{key: job.Key}
		m.keys[job.Key] = ks
	}
	m.seq++
	e := entry{job: job, seq: m.seq, enqueued: time.Now()}
	before := m.waiting
	if superseded != nil {
		// A new slice, so that superseded keeps the dropped jobs. The key's
		// place in the ready FIFO (if it is ready) is kept: the new job
		// inherits the turn of the ones it replaces.
		ks.waiting = append(kept, e)
		m.waiting += 1 - len(superseded)
	} else {
		ks.waiting = append(ks.waiting, e)
		m.waiting++
		if !ks.running && len(ks.waiting) == 1 {
			m.ready = append(m.ready, ks)
			// Invariant: while a key is ready, all Workers workers are
			// active (a worker only exits when none is ready, and a worker
			// that finishes a job takes the next ready key itself), so this
			// is the one place where a worker may be needed.
			if m.active < m.workers {
				m.active++
				m.wg.Add(1)
				go m.work()
			}
		}
	}
	m.depthChanged(before)
	m.mu.Unlock()

	if m.debugging() {
		m.log.Debug("job enqueued", "key", job.Key, "delivery", job.ID, "sha", job.Version)
	}
	for _, old := range superseded {
		m.log.Info("waiting job superseded by a newer version",
			"key", job.Key, "delivery", old.job.ID, "sha", old.job.Version,
			"by_delivery", job.ID, "by_sha", job.Version)
		m.done(old.job, 0, ErrSuperseded, false)
	}
	return nil
}

// Len is the number of jobs waiting (not running).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.waiting
}

// Shutdown stops intake at once (Enqueue fails with ErrClosed) and waits
// until the running and waiting jobs have finished; then it returns nil.
// If ctx ends first, it drops the waiting jobs (logging each one and
// reporting it to OnDone with ErrDropped), cancels the contexts of the
// running ones, waits for their Run to return, and returns ctx.Err(). So
// Shutdown may outlast ctx by as long as a job takes to honour
// cancellation; it does not abandon goroutines that still hold resources.
//
// Shutdown may be called again and concurrently: every call waits for the
// same drain, and each call's result reflects its own ctx, so a call whose
// ctx is still alive returns nil even when another call's deadline made the
// queue drop jobs. Once no worker remains, Shutdown returns nil at once,
// even with an ended ctx, since nothing is left to lose.
func (m *Memory) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		if m.active == 0 {
			close(m.drained)
		}
		m.log.Info("job queue shutting down", "waiting", m.waiting, "workers", m.active)
	}
	m.mu.Unlock()

	// Checked alone first so that an ended ctx does not win the race
	// against an already drained queue.
	select {
	case <-m.drained:
		m.wg.Wait()
		return nil
	default:
	}
	select {
	case <-m.drained:
		m.wg.Wait()
		return nil
	case <-ctx.Done():
	}

	m.abandon(ctx)
	<-m.drained
	m.wg.Wait()
	m.log.Info("job queue stopped after its drain deadline", "error", ctx.Err())
	return ctx.Err()
}

// abandon drops every waiting job and cancels the running ones. Doing both
// under the lock prevents a worker from starting a job in between.
func (m *Memory) abandon(ctx context.Context) {
	var dropped, cancelled []entry
	m.mu.Lock()
	for key, ks := range m.keys {
		dropped = append(dropped, ks.waiting...)
		ks.waiting = nil
		if ks.running {
			cancelled = append(cancelled, ks.current)
		} else {
			delete(m.keys, key)
		}
	}
	m.ready = nil
	before := m.waiting
	m.waiting = 0
	m.depthChanged(before)
	m.cancel()
	m.mu.Unlock()

	// Enqueue order, so that the log reads like the intake did.
	byseq := func(a, b entry) int { return cmp.Compare(a.seq, b.seq) }
	slices.SortFunc(dropped, byseq)
	slices.SortFunc(cancelled, byseq)
	for _, e := range cancelled {
		m.log.Warn("cancelling running job: drain deadline passed",
			"key", e.job.Key, "delivery", e.job.ID, "sha", e.job.Version, "error", ctx.Err())
	}
	for _, e := range dropped {
		// One line per job, with its delivery id, so that an operator can
		// re-deliver exactly what was lost.
		m.log.Warn("dropping waiting job: drain deadline passed",
			"key", e.job.Key, "delivery", e.job.ID, "sha", e.job.Version, "error", ctx.Err())
		m.done(e.job, 0, ErrDropped, false)
	}
}

// work is a worker goroutine: it runs ready keys' jobs until none is ready.
func (m *Memory) work() {
	defer m.wg.Done()
	m.mu.Lock()
	for len(m.ready) > 0 {
		ks := m.ready[0]
		m.ready[0] = nil // let a deleted key be collected
		m.ready = m.ready[1:]
		e := ks.waiting[0]
		ks.waiting[0] = entry{}
		ks.waiting = ks.waiting[1:]
		ks.running, ks.current = true, e
		before := m.waiting
		m.waiting--
		m.depthChanged(before)
		m.mu.Unlock()

		m.run(e)

		m.mu.Lock()
		ks.running, ks.current = false, entry{}
		if len(ks.waiting) > 0 {
			m.ready = append(m.ready, ks)
		} else {
			// Forget idle keys: there is one per pull request ever seen.
			delete(m.keys, ks.key)
		}
	}
	m.active--
	if m.closed && m.active == 0 {
		close(m.drained)
	}
	m.mu.Unlock()
}

// run runs one job with its deadline, logs the outcome and reports it.
func (m *Memory) run(e entry) {
	job := e.job
	ctx, cancel := context.WithTimeout(m.base, m.timeout)
	defer cancel()
	if m.debugging() {
		m.log.Debug("job started", "key", job.Key, "delivery", job.ID, "sha", job.Version,
			"waited", time.Since(e.enqueued))
	}
	start := time.Now()
	panicked, err := m.call(ctx, job)
	took := time.Since(start)
	switch {
	case panicked:
		// Already logged, with the stack, by call.
	case err != nil:
		m.log.Error("job failed", "key", job.Key, "delivery", job.ID, "sha", job.Version,
			"took", took, "error", err)
	case m.debugging():
		m.log.Debug("job done", "key", job.Key, "delivery", job.ID, "sha", job.Version, "took", took)
	}
	m.done(job, took, err, panicked)
}

// call runs job.Run and turns a panic into an error, so that one bad job
// neither kills the process nor leaves its key marked as running forever.
func (m *Memory) call(ctx context.Context, job Job) (panicked bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			panicked = true
			err = fmt.Errorf("queue: job %s panicked: %v", job.ID, r)
			// debug.Stack here still shows the frames that panicked: the
			// deferred call runs on top of them.
			m.log.Error("job panicked", "key", job.Key, "delivery", job.ID, "sha", job.Version,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	return false, job.Run(ctx)
}

// debugging guards the per-job debug logs: building their arguments costs
// allocations on every job even when the handler drops them.
func (m *Memory) debugging() bool {
	return m.log.Enabled(context.Background(), slog.LevelDebug)
}

// depthChanged calls OnDepth if the waiting count differs from before.
// The caller holds m.mu.
func (m *Memory) depthChanged(before int) {
	if m.onDepth != nil && m.waiting != before {
		m.onDepth(m.waiting)
	}
}

func (m *Memory) done(job Job, took time.Duration, err error, panicked bool) {
	if m.onDone != nil {
		m.onDone(job, took, err, panicked)
	}
}
