package webhook

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-github/v60/github"
	"github.com/mountguard/mountguard/webhook/githubtest"
	"github.com/mountguard/mountguard/webhook/queue"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

const secret = "s3cret"

// fakeQueue records jobs instead of running them.
type fakeQueue struct {
	mu   sync.Mutex
	jobs []queue.Job
	err  error
}

func (q *fakeQueue) Enqueue(j queue.Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	q.jobs = append(q.jobs, j)
	return nil
}
func (q *fakeQueue) Len() int                           { return len(q.jobs) }
func (q *fakeQueue) Shutdown(ctx context.Context) error { return nil }

func corpus(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name+".payload.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func send(t *testing.T, h http.Handler, event, id string, body []byte, sign bool) *httptest.ResponseRecorder {
	t.Helper()
	d := githubtest.Delivery{Event: event, ID: id, Payload: body}
	if sign {
		d.Secret = secret
	}
	req, err := d.NewRequest("http://mountguard.test/webhook")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func newTestIntake(q queue.Queue) (*Intake, *Metrics) {
	m := NewMetrics(prometheus.NewRegistry())
	return NewIntake(IntakeOptions{Secret: []byte(secret), Queue: q, Process: func(context.Context, Event) error { return nil }, Metrics: m}), m
}

func TestIntake(t *testing.T) {
	tests := []struct {
		name    string
		event   string
		payload string
		sign    bool
		status  int
		queued  int
		outcome string
	}{
		{"pull request opened", "pull_request", "pull_request.opened", true, http.StatusAccepted, 1, "queued"},
		{"pull request labeled", "pull_request", "pull_request.labeled", true, http.StatusAccepted, 1, "queued"},
		{"pull request closed", "pull_request", "pull_request.closed", true, http.StatusAccepted, 0, "ignored"},
		{"check run re-run, with a timestamp go-github cannot read", "check_run", "check_run.rerequested", true, http.StatusAccepted, 1, "queued"},
		{"another App's button", "check_run", "check_run.requested_action", true, http.StatusAccepted, 0, "ignored"},
		{"check suite from a fork", "check_suite", "check_suite.requested", true, http.StatusAccepted, 1, "queued"},
		{"ping", "ping", "ping", true, http.StatusOK, 0, "ping"},
		{"installation", "installation", "installation.created", true, http.StatusAccepted, 0, "logged"},
		{"an event this App does not handle", "star", "ping", true, http.StatusAccepted, 0, "ignored"},
		{"unsigned", "pull_request", "pull_request.opened", false, http.StatusUnauthorized, 0, "bad_signature"},
		{"unsigned, with a made-up event name", "made-up-<script>", "ping", false, http.StatusUnauthorized, 0, "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &fakeQueue{}
			in, m := newTestIntake(q)
			rec := send(t, in, tt.event, "id-1", corpus(t, tt.payload), tt.sign)
			if rec.Code != tt.status || len(q.jobs) != tt.queued {
				t.Errorf("status %d (%s), %d jobs; want %d, %d", rec.Code, rec.Body, len(q.jobs), tt.status, tt.queued)
			}
			// Event names the App does not know are counted together:
			// the header is anyone's to write.
			event := tt.event
			if !countedEvents[event] {
				event = "other"
			}
			if got := testutil.ToFloat64(m.deliveries.WithLabelValues(event, tt.outcome)); got != 1 {
				t.Errorf("deliveries{%s,%s} = %v", event, tt.outcome, got)
			}
			if n := testutil.CollectAndCount(m.deliveries); n != 1 {
				t.Errorf("%d delivery series after one delivery", n)
			}
		})
	}
}

func TestIntakeQueuedJobDescribesThePullRequest(t *testing.T) {
	q := &fakeQueue{}
	var got Event
	in := NewIntake(IntakeOptions{Secret: []byte(secret), Queue: q, Process: func(_ context.Context, ev Event) error { got = ev; return nil }})
	send(t, in, "pull_request", "id-1", corpus(t, "pull_request.opened"), true)
	if len(q.jobs) != 1 {
		t.Fatal("not queued")
	}
	j := q.jobs[0]
	if j.Key != "Codertocat/Hello-World#2" || j.Version != "ec26c3e57ca3a959ca5aad62de7213c562f8c821" || j.ID != "id-1" {
		t.Errorf("job %+v", j)
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	pr := got.PullRequests[0]
	if got.Installation != 1 || !got.Fresh || pr.Number != 2 || pr.BaseRef != "master" || pr.BaseSHA != "f95f852bd8fca8fcc58a9a2d6c842781e32a215e" {
		t.Errorf("event %+v", got)
	}
	if got.WebURL != "https://github.com/" {
		t.Errorf("WebURL %q, want https://github.com/", got.WebURL)
	}
}

func TestWebURLOf(t *testing.T) {
	for _, tt := range []struct{ page, fullName, want string }{
		{"https://github.com/Codertocat/Hello-World", "Codertocat/Hello-World", "https://github.com/"},
		{"https://ghe.example.com/octo/cat", "octo/cat", "https://ghe.example.com/"},
		{"https://ghe.example.com/Octo/Cat", "octo/cat", "https://ghe.example.com/"},
		{"https://ghe.example.com/other/repo", "octo/cat", ""},
		{"javascript:alert(1)//octo/cat", "octo/cat", ""},
		{"", "octo/cat", ""},
	} {
		r := &github.Repository{HTMLURL: github.String(tt.page), FullName: github.String(tt.fullName)}
		if got := webURLOf(r); got != tt.want {
			t.Errorf("webURLOf(%q, %q) = %q, want %q", tt.page, tt.fullName, got, tt.want)
		}
	}
}

func TestIntakeRefusals(t *testing.T) {
	t.Run("redelivery", func(t *testing.T) {
		q := &fakeQueue{}
		in, _ := newTestIntake(q)
		body := corpus(t, "pull_request.opened")
		first, second := send(t, in, "pull_request", "same", body, true), send(t, in, "pull_request", "same", body, true)
		if first.Code != http.StatusAccepted || second.Code != http.StatusOK || len(q.jobs) != 1 {
			t.Errorf("%d then %d, %d jobs", first.Code, second.Code, len(q.jobs))
		}
	})
	t.Run("a full queue answers 503 and a redelivery is then accepted", func(t *testing.T) {
		q := &fakeQueue{err: queue.ErrFull}
		in, _ := newTestIntake(q)
		body := corpus(t, "pull_request.opened")
		if rec := send(t, in, "pull_request", "full", body, true); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("status %d", rec.Code)
		}
		q.err = nil
		if rec := send(t, in, "pull_request", "full", body, true); rec.Code != http.StatusAccepted || len(q.jobs) != 1 {
			t.Errorf("redelivery after a full queue: %d, %d jobs", rec.Code, len(q.jobs))
		}
	})
	t.Run("over 25 MB", func(t *testing.T) {
		q := &fakeQueue{}
		in, _ := newTestIntake(q)
		body := append([]byte(`{"zen":"`), bytes.Repeat([]byte("a"), MaxPayload)...)
		if rec := send(t, in, "ping", "big", append(body, `"}`...), true); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d", rec.Code)
		}
	})
	t.Run("a legacy SHA-1 signature alone is not enough", func(t *testing.T) {
		q := &fakeQueue{}
		in, _ := newTestIntake(q)
		req, _ := githubtest.Delivery{Event: "pull_request", ID: "x", Payload: corpus(t, "pull_request.opened"), Secret: secret}.NewRequest("http://mountguard.test/webhook")
		req.Header.Del("X-Hub-Signature-256")
		rec := httptest.NewRecorder()
		in.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized || len(q.jobs) != 0 {
			t.Errorf("status %d", rec.Code)
		}
	})
	t.Run("GET", func(t *testing.T) {
		in, _ := newTestIntake(&fakeQueue{})
		rec := httptest.NewRecorder()
		in.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhook", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("status %d", rec.Code)
		}
	})
}

func TestRoutes(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	in := NewIntake(IntakeOptions{Secret: []byte(secret), Queue: &fakeQueue{}, Metrics: m})
	r := NewRoutes(in, reg)
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	m.QueueDepth(3)
	if rec := get("/healthz"); rec.Code != http.StatusOK {
		t.Errorf("healthz %d", rec.Code)
	}
	if rec := get("/readyz"); rec.Code != http.StatusOK {
		t.Errorf("readyz %d", rec.Code)
	}
	if rec := get("/metrics"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "mountguard_queue_depth 3") {
		t.Errorf("metrics %d:\n%s", rec.Code, rec.Body)
	}
	r.NotReady()
	if rec := get("/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz while shutting down: %d", rec.Code)
	}
	if rec := get("/nowhere"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown path: %d", rec.Code)
	}
}
