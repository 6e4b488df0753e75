package ghapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
)

const (
	secondaryBody  = `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`
	permissionBody = `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"}`
)

// newRetry returns a RetryTransport over script with a fixed clock,
// recorded sleeps and a backoff that always takes its ceiling.
func newRetry(script *scriptTransport, log *slog.Logger) (*RetryTransport, *sleeps) {
	s := &sleeps{}
	return &RetryTransport{
		Next:    script,
		Options: RetryOptions{Sleep: s.sleep, Now: func() time.Time { return testNow }},
		Logger:  log,
		jitter:  func(max time.Duration) time.Duration { return max },
	}, s
}

func TestRetryTransport(t *testing.T) {
	reset := strconv.FormatInt(testNow.Add(30*time.Second).Unix(), 10)
	tests := []struct {
		name    string
		steps   []step
		timeout time.Duration // of the request's context; 0 for none

		wantRequests int
		wantSleeps   []time.Duration
		wantStatus   int    // the response returned, 0 for an error
		wantLimit    string // the RetryError's Limit, when an error
	}{
		{
			name:         "502, 502, 200 succeeds after two backoffs",
			steps:        []step{{status: 502}, {status: 502}, {status: 200}},
			wantRequests: 3, wantSleeps: []time.Duration{200 * time.Millisecond, 400 * time.Millisecond}, wantStatus: 200,
		},
		{
			name:         "a network error is retried",
			steps:        []step{{err: errors.New("read: connection reset by peer")}, {status: 200}},
			wantRequests: 2, wantSleeps: []time.Duration{200 * time.Millisecond}, wantStatus: 200,
		},
		{
			name:         "secondary limit with Retry-After waits that long",
			steps:        []step{{status: 403, header: map[string]string{"Retry-After": "1"}, body: secondaryBody}, {status: 200}},
			wantRequests: 2, wantSleeps: []time.Duration{time.Second}, wantStatus: 200,
		},
		{
			name:         "429 with Retry-After",
			steps:        []step{{status: 429, header: map[string]string{"Retry-After": "3"}}, {status: 201}},
			wantRequests: 2, wantSleeps: []time.Duration{3 * time.Second}, wantStatus: 201,
		},
		{
			name: "no requests remaining waits until the reset",
			steps: []step{{status: 403, header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
				body: `{"message":"API rate limit exceeded for installation ID 1."}`}, {status: 200}},
			wantRequests: 2, wantSleeps: []time.Duration{30*time.Second + resetMargin}, wantStatus: 200,
		},
		{
			name:         "secondary limit without a time waits a minute, then doubles",
			steps:        []step{{status: 403, body: secondaryBody}, {status: 403, body: secondaryBody}, {status: 200}},
			wantRequests: 3, wantSleeps: []time.Duration{time.Minute, 2 * time.Minute}, wantStatus: 200,
		},
		{
			name:         "429 without headers is a secondary limit",
			steps:        []step{{status: 429}, {status: 200}},
			wantRequests: 2, wantSleeps: []time.Duration{time.Minute}, wantStatus: 200,
		},
		{
			name:         "a 403 that is not a rate limit is not retried",
			steps:        []step{{status: 403, body: permissionBody}},
			wantRequests: 1, wantStatus: 403,
		},
		{
			name:         "a 404 is not retried",
			steps:        []step{{status: 404, body: `{"message":"Not Found"}`}},
			wantRequests: 1, wantStatus: 404,
		},
		{
			name:         "5xx until the attempts run out returns the last one",
			steps:        []step{{status: 502}, {status: 503}, {status: 502}, {status: 504}},
			wantRequests: 4, wantSleeps: []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}, wantStatus: 504,
		},
		{
			name: "a rate limit until the attempts run out is a RetryError",
			steps: []step{
				{status: 403, header: map[string]string{"Retry-After": "1"}}, {status: 403, header: map[string]string{"Retry-After": "1"}},
				{status: 403, header: map[string]string{"Retry-After": "1"}}, {status: 403, header: map[string]string{"Retry-After": "1"}},
			},
			wantRequests: 4, wantSleeps: []time.Duration{time.Second, time.Second, time.Second}, wantLimit: "attempts",
		},
		{
			name:         "a wait past the deadline is refused",
			steps:        []step{{status: 403, header: map[string]string{"Retry-After": "60"}, body: secondaryBody}},
			timeout:      5 * time.Second,
			wantRequests: 1, wantLimit: "deadline",
		},
		{
			name:         "a backoff past the deadline is refused",
			steps:        []step{{status: 502}},
			timeout:      100 * time.Millisecond,
			wantRequests: 1, wantLimit: "deadline",
		},
		{
			name: "a wait over MaxWait is refused",
			steps: []step{{status: 403, header: map[string]string{"X-RateLimit-Remaining": "0",
				"X-RateLimit-Reset": strconv.FormatInt(testNow.Add(50*time.Minute).Unix(), 10)}}},
			wantRequests: 1, wantLimit: "max wait",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := &scriptTransport{steps: tt.steps}
			rt, s := newRetry(script, nil)
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.github.com/repos/o/r/pulls/1", nil)
			resp, err := rt.RoundTrip(req)

			if got := len(script.requests()); got != tt.wantRequests {
				t.Errorf("requests = %d, want %d", got, tt.wantRequests)
			}
			if got := s.all(); !slices.Equal(got, tt.wantSleeps) {
				t.Errorf("sleeps = %v, want %v", got, tt.wantSleeps)
			}
			if tt.wantStatus != 0 {
				if err != nil {
					t.Fatalf("error %v, want status %d", err, tt.wantStatus)
				}
				defer resp.Body.Close()
				if resp.StatusCode != tt.wantStatus {
					t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
				}
				return
			}
			var rerr *RetryError
			if !errors.As(err, &rerr) {
				t.Fatalf("got %v, %v; want a RetryError", resp, err)
			}
			if rerr.Limit != tt.wantLimit || rerr.Route != "/repos/{owner}/{repo}/pulls/{number}" || rerr.Method != "GET" {
				t.Errorf("RetryError %+v, want limit %q", rerr, tt.wantLimit)
			}
			if rerr.Error() == "" {
				t.Error("empty message")
			}
		})
	}
}

func TestRetryTransportKeepsThePermissionErrorBody(t *testing.T) {
	script := &scriptTransport{steps: []step{{status: 403, body: permissionBody}}}
	rt, _ := newRetry(script, nil)
	req, _ := http.NewRequest(http.MethodPost, "https://api.github.com/repos/o/r/pulls/1/reviews", strings.NewReader(`{}`))
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != permissionBody {
		t.Errorf("body = %q, want GitHub's message intact", body)
	}
}

func TestRetryTransportResendsTheBody(t *testing.T) {
	const payload = `{"event":"COMMENT","body":"hello"}`
	script := &scriptTransport{steps: []step{{status: 502}, {status: 403, header: map[string]string{"Retry-After": "1"}}, {status: 200}}}
	rt, _ := newRetry(script, nil)
	req, _ := http.NewRequest(http.MethodPost, "https://api.github.com/repos/o/r/pulls/1/reviews", strings.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := script.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if r.method != "POST" || r.body != payload || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("attempt %d: %s %q %v, want the POST intact", i+1, r.method, r.body, r.header)
		}
	}
}

func TestRetryTransportDoesNotRetryABodyItCannotResend(t *testing.T) {
	script := &scriptTransport{steps: []step{{status: 502}, {status: 200}}}
	rt, s := newRetry(script, nil)
	req, _ := http.NewRequest(http.MethodPost, "https://api.github.com/repos/o/r/check-runs", io.NopCloser(strings.NewReader("x")))
	if req.GetBody != nil {
		t.Fatal("the test needs a body without GetBody")
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 || len(script.requests()) != 1 || len(s.all()) != 0 {
		t.Errorf("status %d after %d requests, %v sleeps; want the 502 at once", resp.StatusCode, len(script.requests()), s.all())
	}
}

func TestRetryTransportStopsWhenTheContextEnds(t *testing.T) {
	script := &scriptTransport{steps: []step{{status: 502}, {status: 200}}}
	rt, _ := newRetry(script, nil)
	ctx, cancel := context.WithCancel(context.Background())
	rt.Options.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel() // the job is cancelled during the wait
		return sleep(ctx, d)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.github.com/repos/o/r", nil)
	_, err := rt.RoundTrip(req)
	if !errors.Is(err, context.Canceled) || len(script.requests()) != 1 {
		t.Errorf("err = %v after %d requests, want context.Canceled after 1", err, len(script.requests()))
	}
}

func TestRetryTransportLogsEachRetry(t *testing.T) {
	log := &syncBuffer{}
	script := &scriptTransport{steps: []step{{status: 502}, {status: 403, header: map[string]string{"Retry-After": "2"}}, {status: 200}}}
	rt, _ := newRetry(script, slog.New(slog.NewTextHandler(log, nil)))
	req, _ := http.NewRequest(http.MethodGet, "https://api.github.com/repos/octo/cat/pulls/12/files?page=2", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log:\n%s\nwant two lines", log)
	}
	for i, want := range []string{"status=502", "status=403"} {
		for _, part := range []string{"level=WARN", "method=GET", "route=/repos/{owner}/{repo}/pulls/{number}/files", want, "wait="} {
			if !strings.Contains(lines[i], part) {
				t.Errorf("line %d %q lacks %q", i+1, lines[i], part)
			}
		}
	}
	if !strings.Contains(lines[1], "wait=2s") {
		t.Errorf("line 2 %q should wait 2s", lines[1])
	}
}

func TestRetryTransportTokenErrors(t *testing.T) {
	for _, tt := range []struct {
		status    int
		wantRetry bool
	}{{401, false}, {404, false}, {502, true}} {
		closed := false
		body := &closeRecorder{Reader: strings.NewReader("{}"), closed: &closed}
		tokenErr := &ghinstallation.HTTPError{Message: "token", Response: &http.Response{StatusCode: tt.status, Body: body}}
		script := &scriptTransport{steps: []step{{err: tokenErr}, {status: 200}}}
		rt, _ := newRetry(script, nil)
		req, _ := http.NewRequest(http.MethodGet, "https://api.github.com/repos/o/r", nil)
		resp, err := rt.RoundTrip(req)
		if resp != nil {
			resp.Body.Close()
		}
		if got := err == nil; got != tt.wantRetry {
			t.Errorf("token status %d: err %v, want retried %v", tt.status, err, tt.wantRetry)
		}
		if !closed {
			t.Errorf("token status %d: the failed token response was left open", tt.status)
		}
	}
}

type closeRecorder struct {
	io.Reader
	closed *bool
}

func (c *closeRecorder) Close() error { *c.closed = true; return nil }

func TestBackoffIsFullJitterUnderTheCap(t *testing.T) {
	rt := &RetryTransport{}
	o := RetryOptions{}.withDefaults()
	for attempt := 1; attempt <= 10; attempt++ {
		ceiling := min(o.MaxDelay, o.BaseDelay<<(attempt-1))
		for range 50 {
			if d := rt.backoff(o, attempt); d < 0 || d > ceiling {
				t.Fatalf("attempt %d: backoff %v outside [0, %v]", attempt, d, ceiling)
			}
		}
	}
	if d := (&RetryTransport{jitter: func(m time.Duration) time.Duration { return m }}).backoff(o, 40); d != o.MaxDelay {
		t.Errorf("a late attempt waits %v, want the cap %v", d, o.MaxDelay)
	}
}

func TestParseRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"-5", 0, true},
		{testNow.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"soon", 0, false},
	} {
		got, ok := parseRetryAfter(tt.in, testNow)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSleepHonoursTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("sleep = %v after %v", err, time.Since(start))
	}
}
