package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mountguard/mountguard/review/pullreq"
	"github.com/mountguard/mountguard/webhook"
	"github.com/mountguard/mountguard/webhook/ghapi"
	"github.com/mountguard/mountguard/webhook/queue"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

const serveUsage = `Usage: mountguard serve [--config FILE]

Runs the mountguard GitHub App: it receives webhook deliveries on POST
/webhook, reviews pull requests that change compose files, and reports an
inline review and a check run. GET /healthz, /readyz and /metrics serve
operators.

Settings (environment variables win over the file):
  MOUNTGUARD_APP_ID                 the GitHub App's id (required)
  MOUNTGUARD_PRIVATE_KEY            its private key, PEM (or MOUNTGUARD_PRIVATE_KEY_PATH)
  MOUNTGUARD_WEBHOOK_SECRET         its webhook secret (or MOUNTGUARD_WEBHOOK_SECRET_PATH)
  MOUNTGUARD_GITHUB_URL             REST API base (default https://api.github.com/;
                                    GitHub Enterprise Server: https://HOST/api/v3/)
  MOUNTGUARD_ADDR                   listen address (default :8080)
  MOUNTGUARD_WORKERS                concurrent reviews (default 4)
  MOUNTGUARD_QUEUE_SIZE             waiting reviews before deliveries get 503 (default 1000)
  MOUNTGUARD_CHECK_NAME             check run name to require in branch protection (default mountguard)
  MOUNTGUARD_JOB_TIMEOUT            time allowed for one review (default 10m)
  MOUNTGUARD_SHUTDOWN_TIMEOUT       time to finish queued reviews on SIGTERM (default 30s)
  MOUNTGUARD_LOG_FORMAT             json or text (default json)
  MOUNTGUARD_LOG_LEVEL              debug, info, warn or error (default info)
  MOUNTGUARD_CACHE_SIZE             file contents kept across reviews (default 64MiB)

The file uses the same names in lower case without the prefix (app_id,
private_key_path, webhook_secret_path, github_url, addr, ...). The private
key and the webhook secret go in files, never in it: the file takes
private_key_path and webhook_secret_path only.
`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, serveUsage) }
	file := fset.String("config", "", "settings file (YAML)")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	s, err := loadSettings(*file, os.Getenv, readFileOS)
	if err != nil {
		fmt.Fprintln(stderr, "mountguard serve:", err)
		return exitUsage
	}
	log := newLogger(stderr, s.LogFormat, s.LogLevel)
	a, err := newApp(s, log, nil)
	if err != nil {
		fmt.Fprintln(stderr, "mountguard serve:", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		fmt.Fprintf(stderr, "mountguard serve: MOUNTGUARD_ADDR: cannot listen on %s: %v\n", s.Addr, err)
		return exitUsage
	}
	log.Info("mountguard serving", "addr", ln.Addr().String(), "github", s.GitHubURL, "app_id", s.AppID, "check", s.CheckName, "workers", s.Workers, "version", version())
	if err := a.serve(ctx, ln, s.ShutdownTimeout); err != nil {
		log.Error("shutdown incomplete", "error", err)
		return exitFindings
	}
	return exitOK
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(strings.ToUpper(level)))
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// app is the assembled GitHub App: the pieces of webhook/, review/ and
// checks/ wired together.
type app struct {
	routes *webhook.Routes
	queue  *queue.Memory
	log    *slog.Logger
}

// newApp wires the App. transport, when set, carries every GitHub request
// (the demo and the tests pass the fake's).
func newApp(s settings, log *slog.Logger, transport http.RoundTripper) (*app, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	apps, err := ghapi.NewApps(ghapi.AppsOptions{
		AppID:      s.AppID,
		PrivateKey: []byte(s.PrivateKey),
		BaseURL:    s.GitHubURL,
		Transport:  transport,
		Metrics:    reg,
		Logger:     log,
	})
	if err != nil {
		// The settings' checks leave the key's parsing as the only way
		// for this to fail.
		return nil, fmt.Errorf("MOUNTGUARD_PRIVATE_KEY: %w", err)
	}
	metrics := webhook.NewMetrics(reg)
	proc := webhook.NewProcessor(webhook.ProcessorOptions{
		Client:    func(id int64) webhook.Client { return apps.Installation(id) },
		CheckName: s.CheckName,
		Cache:     pullreq.NewCache(s.cacheBytes()),
		Logger:    log,
		Metrics:   metrics,
	})
	q := queue.NewMemory(queue.MemoryOptions{
		Workers:    s.Workers,
		Size:       s.QueueSize,
		JobTimeout: s.JobTimeout,
		Logger:     log,
		OnDepth:    metrics.QueueDepth,
		OnDone: func(_ queue.Job, took time.Duration, err error, panicked bool) {
			outcome := "ok"
			switch {
			case panicked:
				outcome = "panic"
			case errors.Is(err, queue.ErrSuperseded):
				outcome = "superseded"
			case errors.Is(err, queue.ErrDropped):
				outcome = "dropped"
			case err != nil:
				outcome = "error"
			}
			metrics.JobDone(took, outcome)
		},
	})
	intake := webhook.NewIntake(webhook.IntakeOptions{
		Secret:  []byte(s.WebhookSecret),
		Queue:   q,
		Process: proc.Process,
		Logger:  log,
		Metrics: metrics,
	})
	return &app{routes: webhook.NewRoutes(intake, reg), queue: q, log: log}, nil
}

// serve answers on ln until ctx ends (SIGTERM), then stops taking
// deliveries, lets queued and running reviews finish within drain, and
// returns.
func (a *app) serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	srv := &http.Server{
		Handler:           a.routes,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down: no new deliveries; finishing queued reviews", "queued", a.queue.Len(), "deadline", drain.String())
	a.routes.NotReady()
	stop, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	httpErr := srv.Shutdown(stop)
	queueErr := a.queue.Shutdown(stop)
	if err := errors.Join(httpErr, queueErr); err != nil {
		return err
	}
	a.log.Info("shut down cleanly")
	return nil
}
