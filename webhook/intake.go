package webhook

import (
	"bytes"
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"
	"github.com/mountguard/mountguard/webhook/queue"
)

// MaxPayload is GitHub's limit on a webhook payload: "Payloads are capped
// at 25 MB."
const MaxPayload = 25 << 20

// Intake answers GitHub's webhook deliveries: it checks the signature,
// drops redeliveries, and queues a review job, all within milliseconds
// (GitHub counts a delivery as failed after 10 seconds).
type Intake struct {
	secret     []byte
	queue      queue.Queue
	process    func(ctx context.Context, ev Event) error
	deliveries *seen
	log        *slog.Logger
	metrics    *Metrics
}

// IntakeOptions configure an Intake.
type IntakeOptions struct {
	// Secret is the App's webhook secret.
	Secret []byte
	Queue  queue.Queue
	// Process reviews one event; it runs on the queue's workers.
	Process func(ctx context.Context, ev Event) error
	Logger  *slog.Logger
	Metrics *Metrics
	// RememberDeliveries is how many delivery ids are kept to recognise a
	// redelivery (default 100,000).
	RememberDeliveries int
}

// NewIntake returns the webhook handler.
func NewIntake(opts IntakeOptions) *Intake {
	if opts.RememberDeliveries <= 0 {
		opts.RememberDeliveries = 100_000
	}
	return &Intake{
		secret:     opts.Secret,
		queue:      opts.Queue,
		process:    opts.Process,
		deliveries: newSeen(opts.RememberDeliveries),
		log:        orDiscard(opts.Logger),
		metrics:    opts.Metrics,
	}
}

func (in *Intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	name := github.WebHookType(r)
	delivery := github.DeliveryID(r)
	// Both headers are read before the signature is checked: anyone's to
	// write, so they are cut short in the logs.
	log := in.log.With("delivery", clipHeader(delivery), "event", clipHeader(name))
	outcome := func(o string) { in.metrics.delivery(name, o) }

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPayload))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		log.Warn("webhook payload over GitHub's 25 MB limit refused")
		outcome("too_large")
		reply(w, http.StatusRequestEntityTooLarge, "payload larger than 25 MB")
		return
	case err != nil:
		outcome("unreadable")
		reply(w, http.StatusBadRequest, "could not read the payload")
		return
	}
	contentType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	// Only the SHA-256 signature counts: the legacy SHA-1 header is
	// ignored, so a delivery signed only with SHA-1 is refused.
	payload, err := github.ValidatePayloadFromBody(contentType, bytes.NewReader(body), r.Header.Get(github.SHA256SignatureHeader), in.secret)
	if err != nil {
		log.Warn("webhook delivery refused: bad or missing signature", "error", err)
		outcome("bad_signature")
		reply(w, http.StatusUnauthorized, "bad signature")
		return
	}
	if delivery == "" {
		outcome("no_delivery_id")
		reply(w, http.StatusBadRequest, "missing X-GitHub-Delivery")
		return
	}
	// The id is claimed before the job is queued, so that two copies of a
	// delivery arriving together cannot both be queued.
	if !in.deliveries.claim(delivery) {
		log.Info("redelivery ignored: this delivery was already accepted")
		outcome("duplicate")
		reply(w, http.StatusOK, "duplicate delivery")
		return
	}
	queued := false
	defer func() {
		if !queued {
			// Not queued (ignored or refused): a later redelivery must
			// be looked at again.
			in.deliveries.release(delivery)
		}
	}()
	parsed, err := github.ParseWebHook(name, payload)
	if err != nil && (name == "pull_request" || name == "check_run" || name == "check_suite") {
		log.Warn("go-github could not read the whole payload; reading only the fields a review needs", "error", err)
		parsed, err = parseLeniently(name, payload)
	}
	if err != nil {
		// An event type this App does not subscribe to, or one go-github
		// does not know: accepted and ignored, so GitHub does not retry.
		log.Debug("event ignored", "reason", err)
		outcome("ignored")
		reply(w, http.StatusAccepted, "event ignored")
		return
	}
	switch p := parsed.(type) {
	case *github.PingEvent:
		outcome("ping")
		reply(w, http.StatusOK, "pong")
		return
	case *github.InstallationEvent:
		log.Info("installation event", "action", p.GetAction(), "installation", p.GetInstallation().GetID(), "account", p.GetInstallation().GetAccount().GetLogin(), "repositories", len(p.Repositories))
		outcome("logged")
		reply(w, http.StatusAccepted, "logged")
		return
	case *github.InstallationRepositoriesEvent:
		log.Info("installation repositories event", "action", p.GetAction(), "installation", p.GetInstallation().GetID(), "added", len(p.RepositoriesAdded), "removed", len(p.RepositoriesRemoved))
		outcome("logged")
		reply(w, http.StatusAccepted, "logged")
		return
	}
	ev, ok := eventFrom(name, delivery, parsed)
	if !ok {
		log.Debug("event ignored: it asks for no review")
		outcome("ignored")
		reply(w, http.StatusAccepted, "event ignored")
		return
	}
	job := queue.Job{
		Key:     ev.key(),
		Version: ev.HeadSHA,
		// A label event records a decision (an exception granted or
		// taken back) about the head it was made on: a later push must
		// not drop it, or the decision would be applied to findings no
		// one approved.
		Keep: strings.HasPrefix(ev.Name, "pull_request.labeled") || strings.HasPrefix(ev.Name, "pull_request.unlabeled"),
		ID:   delivery,
		Run: func(ctx context.Context) error {
			err := in.process(ctx, ev)
			if err != nil {
				// A delivery that failed (GitHub unreachable, a token
				// refused) may be redelivered from the App's settings
				// and must then be reviewed, not dropped as a duplicate.
				in.deliveries.release(delivery)
			}
			return err
		},
	}
	switch err := in.queue.Enqueue(job); {
	case errors.Is(err, queue.ErrFull):
		log.Error("review queue full: delivery refused; redeliver it from the App's advanced settings", "queue", in.queue.Len())
		outcome("queue_full")
		w.Header().Set("Retry-After", "60")
		reply(w, http.StatusServiceUnavailable, "queue full")
		return
	case err != nil:
		outcome("shutting_down")
		reply(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	queued = true
	log.Info("review queued", "action", ev.Name, "repo", ev.Repo.String(), "sha", ev.HeadSHA, "installation", ev.Installation)
	outcome("queued")
	reply(w, http.StatusAccepted, "queued")
}

func reply(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// seen remembers the most recent delivery ids: GitHub redelivers with the
// same id, and a redelivered event must not be reviewed twice.
type seen struct {
	mu    sync.Mutex
	max   int
	order *list.List
	ids   map[string]*list.Element
}

func newSeen(max int) *seen {
	return &seen{max: max, order: list.New(), ids: map[string]*list.Element{}}
}

// claim records id and reports whether it was new.
func (s *seen) claim(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ids[id]; ok {
		return false
	}
	s.ids[id] = s.order.PushBack(id)
	for s.order.Len() > s.max {
		oldest := s.order.Front()
		s.order.Remove(oldest)
		delete(s.ids, oldest.Value.(string))
	}
	return true
}

// release forgets id.
func (s *seen) release(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.ids[id]; ok {
		s.order.Remove(el)
		delete(s.ids, id)
	}
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// clipHeader bounds an unauthenticated header value in a log line.
func clipHeader(v string) string {
	const limit = 100
	if len(v) > limit {
		return v[:limit] + "…"
	}
	return v
}
