package ghapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mountguard/mountguard/review/pullreq"
)

// metricValue reads one series of a gathered registry: a counter's or a
// gauge's value, a histogram's sample count.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue series
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

func TestMetricsTransport(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		if calls == 3 {
			return nil, errors.New("connection refused")
		}
		h := http.Header{}
		h.Set("X-RateLimit-Remaining", []string{"4999", "4998"}[calls-1])
		h.Set("X-RateLimit-Resource", "core")
		return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(""))}, nil
	})
	tick := time.Unix(0, 0)
	mt := &MetricsTransport{Next: next, Metrics: m, BasePath: "/api/v3", now: func() time.Time {
		tick = tick.Add(250 * time.Millisecond)
		return tick
	}}
	for range 3 {
		req, _ := http.NewRequest(http.MethodGet, "https://ghe.example.com/api/v3/repos/octo/cat/pulls/12/files?page=2", nil)
		if resp, err := mt.RoundTrip(req); err == nil {
			resp.Body.Close()
		}
	}
	route := "/repos/{owner}/{repo}/pulls/{number}/files"
	if v := metricValue(t, reg, "github_requests_total", map[string]string{"route": route, "method": "GET", "status": "200"}); v != 2 {
		t.Errorf("200s = %v, want 2", v)
	}
	if v := metricValue(t, reg, "github_requests_total", map[string]string{"route": route, "method": "GET", "status": "error"}); v != 1 {
		t.Errorf("errors = %v, want 1", v)
	}
	if v := metricValue(t, reg, "github_request_duration_seconds", map[string]string{"route": route}); v != 3 {
		t.Errorf("durations observed = %v, want 3", v)
	}
	if v := metricValue(t, reg, "github_rate_limit_remaining", map[string]string{"resource": "core"}); v != 4998 {
		t.Errorf("remaining = %v, want the latest, 4998", v)
	}
}

func TestNewMetricsTwiceOnOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewMetrics(reg)
	if err != nil {
		t.Fatalf("registering again: %v", err)
	}
	if a.requests != b.requests || a.duration != b.duration || a.remaining != b.remaining {
		t.Error("the second registration should reuse the first collectors")
	}
	if _, err := NewMetrics(nil); err != nil {
		t.Errorf("unregistered metrics: %v", err)
	}
}

// Through the whole stack on GitHub Enterprise Server's /api/v3: every
// attempt and the token request are counted, routes lose the API root.
func TestMetricsThroughTheClient(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	var n atomic.Int32
	f.handle("GET /repos/{owner}/{repo}/pulls/{n}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "4321")
		if n.Add(1) == 1 {
			writeJSON(w, http.StatusBadGateway, map[string]string{"message": "Server Error"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"number": 12, "head": map[string]any{"sha": "abc"}, "base": map[string]any{"sha": "def", "ref": "main"}})
	})
	reg := prometheus.NewRegistry()
	a := f.apps(func(o *AppsOptions) { o.Metrics = reg })
	if _, err := a.Installation(1).PullRequest(context.Background(), pullreq.Repo{Owner: "octo", Name: "cat"}, 12); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		labels map[string]string
		want   float64
	}{
		{map[string]string{"route": "/repos/{owner}/{repo}/pulls/{number}", "method": "GET", "status": "502"}, 1},
		{map[string]string{"route": "/repos/{owner}/{repo}/pulls/{number}", "method": "GET", "status": "200"}, 1},
		{map[string]string{"route": "/app/installations/{installation_id}/access_tokens", "method": "POST", "status": "201"}, 1},
	} {
		if v := metricValue(t, reg, "github_requests_total", tt.labels); v != tt.want {
			t.Errorf("github_requests_total%v = %v, want %v", tt.labels, v, tt.want)
		}
	}
	if v := metricValue(t, reg, "github_rate_limit_remaining", map[string]string{"resource": "core"}); v != 4321 {
		t.Errorf("remaining = %v, want 4321", v)
	}
}
