package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// Most tests run inside a synctest bubble: synctest.Wait returns once every
// goroutine of the bubble is blocked, which lets a test assert that a job
// has NOT started without guessing how long to wait, and its fake clock
// makes the timeout tests exact and instant. A bubble also fails the test
// if any goroutine it started is still blocked when the test ends, so each
// of these tests doubles as a goroutine-leak check.

// logRecord is one captured log line, with its attributes as strings.
type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

// recorder is a slog.Handler that keeps every record for assertions.
type recorder struct {
	mu      sync.Mutex
	records []logRecord
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	lr := logRecord{level: rec.Level, msg: rec.Message, attrs: map[string]string{}}
	rec.Attrs(func(a slog.Attr) bool {
		lr.attrs[a.Key] = a.Value.String()
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, lr)
	return nil
}

// The queue never calls Logger.With or WithGroup, so these need not nest.
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// find returns the records with message msg, in logging order.
func (r *recorder) find(msg string) []logRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []logRecord
	for _, lr := range r.records {
		if lr.msg == msg {
			out = append(out, lr)
		}
	}
	return out
}

// outcome is one OnDone call.
type outcome struct {
	id       string
	took     time.Duration
	err      error
	panicked bool
}

// fixture is a queue wired to a log recorder, an OnDone recorder and a
// trace of the jobs that ran.
type fixture struct {
	q    *Memory
	logs *recorder

	mu       sync.Mutex
	outcomes []outcome
	ran      []string // job ids in the order Run was entered
	inFlight int
	peak     int // most Runs in progress at once
}

func newFixture(opts MemoryOptions) *fixture {
	f := &fixture{logs: &recorder{}}
	opts.Logger = slog.New(f.logs)
	opts.OnDone = func(job Job, took time.Duration, err error, panicked bool) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.outcomes = append(f.outcomes, outcome{job.ID, took, err, panicked})
	}
	f.q = NewMemory(opts)
	return f
}

// job returns a job whose Run is traced and then calls body (if not nil).
func (f *fixture) job(key, version, id string, body func(ctx context.Context) error) Job {
	return Job{Key: key, Version: version, ID: id, Run: func(ctx context.Context) error {
		f.mu.Lock()
		f.ran = append(f.ran, id)
		f.inFlight++
		f.peak = max(f.peak, f.inFlight)
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.inFlight--
			f.mu.Unlock()
		}()
		if body == nil {
			return nil
		}
		return body(ctx)
	}}
}

// gate holds jobs until it is opened. It also opens when the test ends, so
// that a failing test releases its jobs and the bubble reports the failure
// instead of panicking on the goroutines left blocked.
type gate struct {
	ch   chan struct{}
	once sync.Once
}

func newGate(t *testing.T) *gate {
	g := &gate{ch: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }

// waitFor returns a job body that blocks until ch is closed.
func waitFor(ch <-chan struct{}) func(context.Context) error {
	return func(context.Context) error {
		<-ch
		return nil
	}
}

func (f *fixture) mustEnqueue(t *testing.T, jobs ...Job) {
	t.Helper()
	for _, j := range jobs {
		if err := f.q.Enqueue(j); err != nil {
			t.Fatalf("Enqueue(%s): %v", j.ID, err)
		}
	}
}

func (f *fixture) ranIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ran)
}

func (f *fixture) peakInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak
}

func (f *fixture) outcomeOf(t *testing.T, id string) outcome {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.outcomes {
		if o.id == id {
			return o
		}
	}
	t.Fatalf("OnDone was not called for job %s", id)
	return outcome{}
}

// idsWithErr lists, in call order, the jobs reported to OnDone with target.
func (f *fixture) idsWithErr(target error) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, o := range f.outcomes {
		if errors.Is(o.err, target) {
			ids = append(ids, o.id)
		}
	}
	return ids
}

func (f *fixture) shutdown(t *testing.T) {
	t.Helper()
	if err := f.q.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestNewMemoryOptions(t *testing.T) {
	tests := []struct {
		name                  string
		opts                  MemoryOptions
		workers, size         int
		timeout               time.Duration
		discardsLogs, hasHook bool
	}{
		{"zero value gets the defaults", MemoryOptions{}, 4, 1000, 10 * time.Minute, true, false},
		{"negative values get the defaults", MemoryOptions{Workers: -1, Size: -1, JobTimeout: -time.Second}, 4, 1000, 10 * time.Minute, true, false},
		{"explicit values are kept", MemoryOptions{Workers: 2, Size: 7, JobTimeout: time.Second, Logger: slog.New(&recorder{}), OnDepth: func(int) {}}, 2, 7, time.Second, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := NewMemory(tc.opts)
			defer q.Shutdown(context.Background())
			if q.workers != tc.workers || q.size != tc.size || q.timeout != tc.timeout {
				t.Errorf("workers, size, timeout = %d, %d, %s; want %d, %d, %s",
					q.workers, q.size, q.timeout, tc.workers, tc.size, tc.timeout)
			}
			// A nil Logger must not fall back to the process-wide slog.Default.
			if got := q.log.Handler() == slog.DiscardHandler; got != tc.discardsLogs {
				t.Errorf("logger discards = %v, want %v", got, tc.discardsLogs)
			}
			if got := q.onDepth != nil; got != tc.hasHook {
				t.Errorf("OnDepth set = %v, want %v", got, tc.hasHook)
			}
		})
	}
}

func TestSameKeyRunsOneAtATimeInEnqueueOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(MemoryOptions{Workers: 4})
		release := newGate(t)
		var want []string
		for i := range 10 {
			id := fmt.Sprintf("d%d", i)
			want = append(want, id)
			// Same version: a re-run of one head, so nothing is superseded.
			f.mustEnqueue(t, f.job("pr-1", "sha1", id, waitFor(release.ch)))
		}
		synctest.Wait()
		if got := f.ranIDs(); !slices.Equal(got, []string{"d0"}) {
			t.Fatalf("while d0 runs, started = %v; want only d0 although 4 workers are free", got)
		}
		if got := f.q.Len(); got != 9 {
			t.Errorf("Len = %d, want 9", got)
		}
		release.open()
		f.shutdown(t)
		if got := f.ranIDs(); !slices.Equal(got, want) {
			t.Errorf("run order = %v, want %v", got, want)
		}
		if got := f.peakInFlight(); got != 1 {
			t.Errorf("peak concurrency for one key = %d, want 1", got)
		}
	})
}

// TestSameKeyOrderUnderLoad checks serialization and order per key with the
// real scheduler (no bubble), many keys and many workers, under -race.
func TestSameKeyOrderUnderLoad(t *testing.T) {
	const keys, perKey = 6, 200
	q := NewMemory(MemoryOptions{Workers: 8, Size: keys * perKey})
	var (
		mu       sync.Mutex
		order    = make(map[string][]int)
		inFlight [keys]atomic.Int32
		overlap  atomic.Bool
	)
	for n := range perKey {
		for k := range keys {
			key := fmt.Sprintf("pr-%d", k)
			err := q.Enqueue(Job{Key: key, Version: "sha", ID: fmt.Sprint(n), Run: func(context.Context) error {
				if inFlight[k].Add(1) != 1 {
					overlap.Store(true)
				}
				defer inFlight[k].Add(-1)
				mu.Lock()
				order[key] = append(order[key], n)
				mu.Unlock()
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := q.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if overlap.Load() {
		t.Error("two jobs of one key ran at the same time")
	}
	for k := range keys {
		key := fmt.Sprintf("pr-%d", k)
		got := order[key]
		if len(got) != perKey || !slices.IsSorted(got) {
			t.Errorf("%s ran %d jobs, sorted=%v; want %d in enqueue order", key, len(got), slices.IsSorted(got), perKey)
		}
	}
}

// TestDifferentKeysRunConcurrently proves parallelism with the real
// scheduler: each job waits for the other to have started, which can only
// happen if both run at once. The timeout only turns a hang into a failure.
func TestDifferentKeysRunConcurrently(t *testing.T) {
	f := newFixture(MemoryOptions{Workers: 2})
	aStarted, bStarted := make(chan struct{}), make(chan struct{})
	meet := func(mine chan struct{}, other <-chan struct{}) func(context.Context) error {
		return func(context.Context) error {
			close(mine)
			select {
			case <-other:
				return nil
			case <-time.After(10 * time.Second):
				return errors.New("the other key's job never started while this one ran")
			}
		}
	}
	f.mustEnqueue(t, f.job("pr-a", "1", "a", meet(aStarted, bStarted)), f.job("pr-b", "1", "b", meet(bStarted, aStarted)))
	f.shutdown(t)
	for _, id := range []string{"a", "b"} {
		if o := f.outcomeOf(t, id); o.err != nil {
			t.Errorf("job %s: %v", id, o.err)
		}
	}
}

func TestWorkersBoundParallelism(t *testing.T) {
	for _, workers := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(MemoryOptions{Workers: workers})
				release := newGate(t)
				for i := range workers + 2 {
					f.mustEnqueue(t, f.job(fmt.Sprintf("pr-%d", i), "sha", fmt.Sprintf("j%d", i), waitFor(release.ch)))
				}
				synctest.Wait()
				if got := len(f.ranIDs()); got != workers {
					t.Errorf("jobs running = %d, want %d", got, workers)
				}
				if got := f.q.Len(); got != 2 {
					t.Errorf("Len = %d, want 2", got)
				}
				release.open()
				f.shutdown(t)
				if got := len(f.ranIDs()); got != workers+2 {
					t.Errorf("jobs run = %d, want %d", got, workers+2)
				}
				if got := f.peakInFlight(); got != workers {
					t.Errorf("peak concurrency = %d, want %d", got, workers)
				}
			})
		})
	}
}

func TestSupersede(t *testing.T) {
	type enq struct{ key, version, id string }
	// Every case starts with job A (key k, version v1) running on the only
	// worker, so that every job below waits when it is enqueued.
	tests := []struct {
		name           string
		enqueue        []enq
		wantLen        int
		wantRan        []string
		wantSuperseded []string
	}{
		{
			name:           "a newer version drops the waiting one",
			enqueue:        []enq{{"k", "v2", "B"}, {"k", "v3", "C"}},
			wantLen:        1,
			wantRan:        []string{"A", "C"},
			wantSuperseded: []string{"B"},
		},
		{
			name:    "equal versions are both kept",
			enqueue: []enq{{"k", "v2", "B"}, {"k", "v2", "C"}},
			wantLen: 2,
			wantRan: []string{"A", "B", "C"},
		},
		{
			name:    "the running job's version does not matter",
			enqueue: []enq{{"k", "v1", "B"}, {"k", "v1", "C"}},
			wantLen: 2,
			wantRan: []string{"A", "B", "C"},
		},
		{
			name:           "all waiting jobs of an older version go at once",
			enqueue:        []enq{{"k", "v2", "B"}, {"k", "v2", "C"}, {"k", "v3", "D"}},
			wantLen:        1,
			wantRan:        []string{"A", "D"},
			wantSuperseded: []string{"B", "C"},
		},
		{
			// A force-push back to the running head still makes the
			// waiting review stale.
			name:           "going back to the running version drops the waiting one",
			enqueue:        []enq{{"k", "v2", "B"}, {"k", "v1", "C"}},
			wantLen:        1,
			wantRan:        []string{"A", "C"},
			wantSuperseded: []string{"B"},
		},
		{
			// After A, key k goes to the back of the ready keys, behind o.
			name:           "other keys are not touched",
			enqueue:        []enq{{"o", "v1", "X"}, {"k", "v2", "B"}, {"o", "v1", "Y"}, {"k", "v3", "C"}},
			wantLen:        3,
			wantRan:        []string{"A", "X", "C", "Y"},
			wantSuperseded: []string{"B"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(MemoryOptions{Workers: 1})
				release := newGate(t)
				var runningErr error
				f.mustEnqueue(t, f.job("k", "v1", "A", func(ctx context.Context) error {
					<-release.ch
					runningErr = ctx.Err() // read after Shutdown: no race
					return nil
				}))
				synctest.Wait() // A is running, not waiting: it cannot be superseded
				for _, e := range tc.enqueue {
					f.mustEnqueue(t, f.job(e.key, e.version, e.id, nil))
				}
				if got := f.q.Len(); got != tc.wantLen {
					t.Errorf("Len = %d, want %d", got, tc.wantLen)
				}
				release.open()
				f.shutdown(t)

				if got := f.ranIDs(); !slices.Equal(got, tc.wantRan) {
					t.Errorf("ran %v, want %v", got, tc.wantRan)
				}
				if got := f.idsWithErr(ErrSuperseded); !slices.Equal(got, tc.wantSuperseded) {
					t.Errorf("superseded %v, want %v", got, tc.wantSuperseded)
				}
				if runningErr != nil || f.outcomeOf(t, "A").err != nil {
					t.Errorf("running job A was disturbed: ctx.Err() = %v, result %v", runningErr, f.outcomeOf(t, "A").err)
				}
				logs := f.logs.find("waiting job superseded by a newer version")
				if len(logs) != len(tc.wantSuperseded) {
					t.Fatalf("%d supersede log lines, want %d", len(logs), len(tc.wantSuperseded))
				}
				for i, lr := range logs {
					if lr.level != slog.LevelInfo || lr.attrs["delivery"] != tc.wantSuperseded[i] ||
						lr.attrs["sha"] == "" || lr.attrs["by_delivery"] == "" || lr.attrs["by_sha"] == "" {
						t.Errorf("supersede log %d = %v %v; want info with id %s, version, by_id, by_version",
							i, lr.level, lr.attrs, tc.wantSuperseded[i])
					}
				}
			})
		})
	}
}

func TestErrFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu     sync.Mutex
			depths []int
		)
		f := newFixture(MemoryOptions{Workers: 1, Size: 2, OnDepth: func(n int) {
			mu.Lock()
			depths = append(depths, n)
			mu.Unlock()
		}})
		release := newGate(t)
		f.mustEnqueue(t, f.job("a", "1", "a", waitFor(release.ch)))
		synctest.Wait()
		f.mustEnqueue(t, f.job("b", "1", "b", nil), f.job("c", "1", "c1", nil))

		if err := f.q.Enqueue(f.job("d", "1", "d", nil)); !errors.Is(err, ErrFull) {
			t.Errorf("third waiting job: err = %v, want ErrFull", err)
		}
		// Replacing a waiting job does not grow the queue, so it is accepted.
		if err := f.q.Enqueue(f.job("c", "2", "c2", nil)); err != nil {
			t.Errorf("superseding job while full: %v, want nil", err)
		}
		// The same version supersedes nothing: it would be one more.
		if err := f.q.Enqueue(f.job("c", "2", "c3", nil)); !errors.Is(err, ErrFull) {
			t.Errorf("re-run while full: err = %v, want ErrFull", err)
		}
		if got := f.q.Len(); got != 2 {
			t.Errorf("Len = %d, want 2", got)
		}
		release.open()
		f.shutdown(t)
		if got, want := f.ranIDs(), []string{"a", "b", "c2"}; !slices.Equal(got, want) {
			t.Errorf("ran %v, want %v", got, want)
		}
		// a waits then runs (1, 0); b and c1 wait (1, 2); c2 replaces c1
		// (no change, no call); b and c2 run (1, 0).
		if want := []int{1, 0, 1, 2, 1, 0}; !slices.Equal(depths, want) {
			t.Errorf("OnDepth calls %v, want %v", depths, want)
		}
	})
}

func TestErrClosed(t *testing.T) {
	t.Run("after Shutdown returned", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := newFixture(MemoryOptions{})
			f.mustEnqueue(t, f.job("a", "1", "a", nil))
			f.shutdown(t)
			if err := f.q.Enqueue(f.job("b", "1", "b", nil)); !errors.Is(err, ErrClosed) {
				t.Errorf("err = %v, want ErrClosed", err)
			}
		})
	})
	t.Run("while Shutdown drains", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := newFixture(MemoryOptions{})
			release := newGate(t)
			f.mustEnqueue(t, f.job("a", "1", "a", waitFor(release.ch)))
			result := make(chan error, 1) // buffered: a failing test may not read it
			go func() { result <- f.q.Shutdown(context.Background()) }()
			synctest.Wait() // Shutdown has closed intake and waits for a
			if err := f.q.Enqueue(f.job("b", "1", "b", nil)); !errors.Is(err, ErrClosed) {
				t.Errorf("err = %v, want ErrClosed", err)
			}
			if got := f.q.Len(); got != 0 {
				t.Errorf("Len = %d, want 0", got)
			}
			release.open()
			if err := <-result; err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if got := f.ranIDs(); !slices.Equal(got, []string{"a"}) {
				t.Errorf("ran %v, want [a]", got)
			}
		})
	})
}

func TestEnqueueRefusesJobWithoutRun(t *testing.T) {
	q := NewMemory(MemoryOptions{})
	defer q.Shutdown(context.Background())
	if err := q.Enqueue(Job{Key: "k", ID: "x"}); err == nil {
		t.Fatal("Enqueue accepted a job without Run")
	}
	if got := q.Len(); got != 0 {
		t.Errorf("Len = %d, want 0", got)
	}
}

func TestPanicIsRecovered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(MemoryOptions{Workers: 1})
		f.mustEnqueue(t,
			f.job("k", "1", "bad", func(context.Context) error { panic("boom") }),
			// Same key and the only worker: it runs only if the panic
			// released both the key and the worker.
			f.job("k", "1", "next", nil),
		)
		f.shutdown(t)

		if got := f.ranIDs(); !slices.Equal(got, []string{"bad", "next"}) {
			t.Errorf("ran %v, want [bad next]", got)
		}
		bad := f.outcomeOf(t, "bad")
		if !bad.panicked || bad.err == nil || !strings.Contains(bad.err.Error(), "boom") {
			t.Errorf("OnDone for the panic: panicked=%v err=%v; want true and an error mentioning boom", bad.panicked, bad.err)
		}
		if next := f.outcomeOf(t, "next"); next.panicked || next.err != nil {
			t.Errorf("OnDone for the next job: panicked=%v err=%v; want false, nil", next.panicked, next.err)
		}
		logs := f.logs.find("job panicked")
		if len(logs) != 1 {
			t.Fatalf("%d panic log lines, want 1", len(logs))
		}
		lr := logs[0]
		if lr.level != slog.LevelError || lr.attrs["key"] != "k" || lr.attrs["delivery"] != "bad" || lr.attrs["panic"] != "boom" {
			t.Errorf("panic log = %v %v; want error level with key k, id bad, panic boom", lr.level, lr.attrs)
		}
		// The stack must show where the job panicked, not only the queue.
		if !strings.Contains(lr.attrs["stack"], "TestPanicIsRecovered") {
			t.Errorf("panic log stack does not show the panicking function:\n%s", lr.attrs["stack"])
		}
	})
}

func TestJobTimeout(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		want    time.Duration
	}{
		{"default", 0, 10 * time.Minute},
		{"configured", 3 * time.Second, 3 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The fake clock makes the deadline exact, and the test instant.
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(MemoryOptions{JobTimeout: tc.timeout})
				var budget time.Duration
				f.mustEnqueue(t, f.job("k", "1", "slow", func(ctx context.Context) error {
					deadline, ok := ctx.Deadline()
					if !ok {
						return errors.New("the job's context has no deadline")
					}
					budget = time.Until(deadline)
					<-ctx.Done()
					return ctx.Err()
				}))
				f.shutdown(t)
				o := f.outcomeOf(t, "slow")
				if !errors.Is(o.err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want context.DeadlineExceeded", o.err)
				}
				if budget != tc.want || o.took != tc.want {
					t.Errorf("deadline in %s, took %s; want %s", budget, o.took, tc.want)
				}
				if logs := f.logs.find("job failed"); len(logs) != 1 || logs[0].attrs["delivery"] != "slow" {
					t.Errorf("failure logs = %v, want one for job slow", logs)
				}
			})
		})
	}
}

func TestShutdownDrainsWaitingJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(MemoryOptions{Workers: 2})
		release := newGate(t)
		var ctxErrs atomic.Int32
		body := func(ctx context.Context) error {
			<-release.ch
			if ctx.Err() != nil {
				ctxErrs.Add(1)
			}
			return nil
		}
		var want []string
		for _, key := range []string{"k1", "k1", "k1", "k2", "k2", "k3"} {
			id := fmt.Sprintf("%s-%d", key, len(want))
			want = append(want, id)
			f.mustEnqueue(t, f.job(key, "sha", id, body))
		}
		synctest.Wait()
		if got := f.q.Len(); got != 4 {
			t.Fatalf("Len before Shutdown = %d, want 4", got)
		}
		// A drain deadline far away: Shutdown must return as soon as the
		// work is done, not at the deadline.
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		start := time.Now()
		result := make(chan error, 1) // buffered: a failing test may not read it
		go func() { result <- f.q.Shutdown(ctx) }()
		synctest.Wait()
		release.open()
		if err := <-result; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("Shutdown took %s of fake time, want 0", took)
		}
		got := f.ranIDs()
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("ran %v, want %v", got, want)
		}
		if n := ctxErrs.Load(); n != 0 {
			t.Errorf("%d jobs saw a cancelled context during a drain in time", n)
		}
		if got := f.q.Len(); got != 0 {
			t.Errorf("Len after Shutdown = %d, want 0", got)
		}
	})
}

func TestShutdownDeadline(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
		wantAt  time.Duration // fake time at which Shutdown returns
	}{
		{
			name: "deadline passes while draining",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), time.Minute)
			},
			wantErr: context.DeadlineExceeded,
			wantAt:  time.Minute,
		},
		{
			name: "context already cancelled",
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			},
			wantErr: context.Canceled,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(MemoryOptions{Workers: 1})
				// R only ends when its context is cancelled; its own
				// deadline (10 minutes) is after the drain deadline.
				f.mustEnqueue(t, f.job("k", "1", "R", func(ctx context.Context) error {
					<-ctx.Done()
					return ctx.Err()
				}))
				synctest.Wait()
				f.mustEnqueue(t, f.job("k", "1", "W1", nil), f.job("o", "1", "W2", nil))

				ctx, cancel := tc.ctx()
				defer cancel()
				start := time.Now()
				err := f.q.Shutdown(ctx)
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("Shutdown = %v, want %v", err, tc.wantErr)
				}
				if at := time.Since(start); at != tc.wantAt {
					t.Errorf("Shutdown returned after %s, want %s", at, tc.wantAt)
				}
				if got := f.ranIDs(); !slices.Equal(got, []string{"R"}) {
					t.Errorf("ran %v, want [R]", got)
				}
				// Cancelled by the queue, not timed out.
				if o := f.outcomeOf(t, "R"); !errors.Is(o.err, context.Canceled) {
					t.Errorf("running job ended with %v, want context.Canceled", o.err)
				}
				if got, want := f.idsWithErr(ErrDropped), []string{"W1", "W2"}; !slices.Equal(got, want) {
					t.Errorf("OnDone with ErrDropped for %v, want %v", got, want)
				}
				var logged []string
				for _, lr := range f.logs.find("dropping waiting job: drain deadline passed") {
					if lr.level != slog.LevelWarn {
						t.Errorf("drop log level %v, want warn", lr.level)
					}
					logged = append(logged, lr.attrs["delivery"])
				}
				if want := []string{"W1", "W2"}; !slices.Equal(logged, want) {
					t.Errorf("dropped ids logged %v, want %v", logged, want)
				}
				if lrs := f.logs.find("cancelling running job: drain deadline passed"); len(lrs) != 1 || lrs[0].attrs["delivery"] != "R" {
					t.Errorf("cancel logs = %v, want one for R", lrs)
				}
				if got := f.q.Len(); got != 0 {
					t.Errorf("Len = %d, want 0", got)
				}
				if err := f.q.Enqueue(f.job("k", "1", "late", nil)); !errors.Is(err, ErrClosed) {
					t.Errorf("Enqueue after Shutdown = %v, want ErrClosed", err)
				}
			})
		})
	}
}

func TestShutdownIsIdempotentAndConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(MemoryOptions{Workers: 1})
		release := newGate(t)
		f.mustEnqueue(t, f.job("k", "1", "a", waitFor(release.ch)), f.job("k", "1", "b", nil))
		synctest.Wait()

		const callers = 5
		results := make(chan error, callers)
		for range callers {
			go func() { results <- f.q.Shutdown(context.Background()) }()
		}
		synctest.Wait()
		if n := len(results); n != 0 {
			t.Fatalf("%d Shutdown calls returned while a job was still running", n)
		}
		release.open()
		for range callers {
			if err := <-results; err != nil {
				t.Errorf("concurrent Shutdown: %v", err)
			}
		}
		// Once drained, even an ended context gets nil: nothing was lost.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := f.q.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown after the drain: %v", err)
		}
		if got := f.ranIDs(); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("ran %v, want [a b]", got)
		}
	})
}

// TestNoGoroutineLeak counts goroutines around a busy queue's life. The
// bubble adds a second check: synctest.Test fails if a goroutine it
// started is still blocked when the test function returns.
func TestNoGoroutineLeak(t *testing.T) {
	for _, deadline := range []bool{false, true} {
		t.Run(fmt.Sprintf("deadline=%v", deadline), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				before := runtime.NumGoroutine()
				q := NewMemory(MemoryOptions{Workers: 8, JobTimeout: time.Minute})
				for i := range 200 {
					run := func(ctx context.Context) error {
						switch i % 4 {
						case 0:
							panic("boom")
						case 1:
							return errors.New("failed")
						case 2:
							<-ctx.Done() // ends at the job or drain deadline
							return ctx.Err()
						}
						return nil
					}
					if err := q.Enqueue(Job{Key: fmt.Sprintf("pr-%d", i%10), Version: "v", ID: fmt.Sprint(i), Run: run}); err != nil {
						t.Fatal(err)
					}
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if deadline {
					cancel()
				}
				if err := q.Shutdown(ctx); (err != nil) != deadline {
					t.Fatalf("Shutdown = %v", err)
				}
				// Let goroutines that are returning finish; a leaked one
				// would be blocked and stay counted.
				synctest.Wait()
				if after := runtime.NumGoroutine(); after > before {
					t.Errorf("%d goroutines before the queue, %d after Shutdown", before, after)
				}
			})
		})
	}
}

// BenchmarkEnqueue measures enqueue plus run of trivial jobs spread over
// 100 keys, including the final drain.
func BenchmarkEnqueue(b *testing.B) {
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = fmt.Sprintf("pr-%d", i)
	}
	for _, workers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var ran atomic.Int64
			run := func(context.Context) error {
				ran.Add(1)
				return nil
			}
			// Room for every job, so that the benchmark measures work and
			// not ErrFull; equal versions, so that none is superseded.
			q := NewMemory(MemoryOptions{Workers: workers, Size: b.N})
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := q.Enqueue(Job{Key: keys[i%len(keys)], Version: "v", ID: "bench", Run: run}); err != nil {
					b.Fatal(err)
				}
			}
			if err := q.Shutdown(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if got := ran.Load(); got != int64(b.N) {
				b.Fatalf("%d jobs ran, want %d", got, b.N)
			}
		})
	}
}

func TestKeptJobsAreNotSuperseded(t *testing.T) {
	m := NewMemory(MemoryOptions{Workers: 1, Size: 10})
	block, started := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var ran []string
	job := func(id, version string, keep bool) Job {
		return Job{Key: "k", Version: version, ID: id, Keep: keep, Run: func(context.Context) error {
			if id == "running" {
				close(started)
				<-block
			}
			mu.Lock()
			ran = append(ran, id)
			mu.Unlock()
			return nil
		}}
	}
	if err := m.Enqueue(job("running", "v1", false)); err != nil {
		t.Fatal(err)
	}
	<-started
	for _, j := range []Job{job("label", "v1", true), job("old", "v1", false), job("push", "v2", false)} {
		if err := m.Enqueue(j); err != nil {
			t.Fatal(err)
		}
	}
	close(block)
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []string{"running", "label", "push"}; !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v: the kept job survives the newer version, the other does not", ran, want)
	}
}
