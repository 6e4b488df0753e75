package ghapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the App's GitHub API metrics. Each HTTP attempt counts,
// retries included, so a 502 followed by a 200 shows as both.
type Metrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	remaining *prometheus.GaugeVec
}

// NewMetrics registers the metrics with reg. Registering twice on one
// registry (two Apps in one process, or a test) reuses the first
// collectors instead of failing.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "github_requests_total",
			Help: "GitHub REST API requests by route template, method and status (\"error\" when no response came).",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "github_request_duration_seconds",
			Help:    "Time until GitHub's response headers arrived, by route template.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		remaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "github_rate_limit_remaining",
			Help: "x-ratelimit-remaining of the latest GitHub response, by rate-limit resource (last writer wins across installations).",
		}, []string{"resource"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.requests, err = register(reg, m.requests)
	if err != nil {
		return nil, err
	}
	m.duration, err = register(reg, m.duration)
	if err != nil {
		return nil, err
	}
	m.remaining, err = register(reg, m.remaining)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// MetricsTransport records every request it sends. It sits below the
// installation-token transport, so token requests are measured too, and
// below RetryTransport, so each attempt is.
type MetricsTransport struct {
	Next    http.RoundTripper
	Metrics *Metrics
	// BasePath is the API root's path ("/api/v3" on GitHub Enterprise
	// Server), left out of the route label.
	BasePath string
	// now is swapped in tests to make durations exact.
	now func() time.Time
}

// RoundTrip sends req and records its route, status and duration, and the
// rate limit left.
func (t *MetricsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	now := t.now
	if now == nil {
		now = time.Now
	}
	route := routeOf(t.BasePath, req.URL)
	start := now()
	resp, err := t.Next.RoundTrip(req)
	t.Metrics.duration.WithLabelValues(route).Observe(now().Sub(start).Seconds())
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
		if v, perr := strconv.ParseFloat(resp.Header.Get("X-RateLimit-Remaining"), 64); perr == nil {
			resource := resp.Header.Get("X-RateLimit-Resource")
			if resource == "" {
				resource = "core"
			}
			t.Metrics.remaining.WithLabelValues(resource).Set(v)
		}
	}
	t.Metrics.requests.WithLabelValues(route, req.Method, status).Inc()
	return resp, err
}
