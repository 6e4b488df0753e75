package webhook

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Routes serves the App's endpoints: POST /webhook, GET /healthz (the
// process is alive), GET /readyz (it accepts deliveries; false while
// shutting down) and GET /metrics (Prometheus).
type Routes struct {
	mux   *http.ServeMux
	ready atomic.Bool
}

// NewRoutes builds the endpoints around the webhook intake.
func NewRoutes(intake http.Handler, gatherer prometheus.Gatherer) *Routes {
	r := &Routes{mux: http.NewServeMux()}
	r.ready.Store(true)
	r.mux.Handle("POST /webhook", intake)
	r.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusOK, "ok")
	})
	r.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !r.ready.Load() {
			reply(w, http.StatusServiceUnavailable, "shutting down")
			return
		}
		reply(w, http.StatusOK, "ready")
	})
	r.mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	return r
}

// NotReady makes /readyz fail, so that a load balancer stops sending
// deliveries before the server stops accepting them.
func (r *Routes) NotReady() { r.ready.Store(false) }

func (r *Routes) ServeHTTP(w http.ResponseWriter, req *http.Request) { r.mux.ServeHTTP(w, req) }
