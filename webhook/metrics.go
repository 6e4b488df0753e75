package webhook

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the App's own Prometheus metrics (GitHub calls and rate
// limits are counted by webhook/ghapi). A nil *Metrics records nothing.
type Metrics struct {
	deliveries *prometheus.CounterVec
	queueDepth prometheus.Gauge
	jobs       *prometheus.HistogramVec
	reviews    *prometheus.CounterVec
}

// NewMetrics registers the metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mountguard_webhook_deliveries_total",
			Help: "Webhook deliveries by event and outcome (queued, duplicate, ignored, bad_signature, queue_full, ...).",
		}, []string{"event", "outcome"}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mountguard_queue_depth",
			Help: "Review jobs waiting in the queue.",
		}),
		jobs: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mountguard_job_duration_seconds",
			Help: "Time to review one webhook event, by outcome (ok, error, panic, superseded, dropped).",
			// 50ms to 819s: the last bucket lies past the default job
			// timeout (10m), so reviews that run into it are visible.
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 15),
		}, []string{"outcome"}),
		reviews: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mountguard_check_runs_total",
			Help: "Completed check runs by conclusion.",
		}, []string{"conclusion"}),
	}
	reg.MustRegister(m.deliveries, m.queueDepth, m.jobs, m.reviews)
	return m
}

// countedEvents are the event names deliveries are counted under; any
// other is counted as "other". The name comes from a request header that
// is read before the signature is checked, so taking it as it comes would
// let anyone create series without end.
var countedEvents = map[string]bool{
	"pull_request": true, "check_run": true, "check_suite": true, "ping": true,
	"installation": true, "installation_repositories": true, "github_app_authorization": true,
}

func (m *Metrics) delivery(event, outcome string) {
	if m != nil {
		if !countedEvents[event] {
			event = "other"
		}
		m.deliveries.WithLabelValues(event, outcome).Inc()
	}
}

// QueueDepth records the number of waiting jobs.
func (m *Metrics) QueueDepth(n int) {
	if m != nil {
		m.queueDepth.Set(float64(n))
	}
}

// JobDone records a finished job.
func (m *Metrics) JobDone(took time.Duration, outcome string) {
	if m != nil {
		m.jobs.WithLabelValues(outcome).Observe(took.Seconds())
	}
}

func (m *Metrics) checkRun(conclusion string) {
	if m != nil {
		m.reviews.WithLabelValues(conclusion).Inc()
	}
}
