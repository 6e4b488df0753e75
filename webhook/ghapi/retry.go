package ghapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
)

// RetryOptions tune RetryTransport. Zero fields take the defaults.
type RetryOptions struct {
	// MaxAttempts bounds the attempts of one request, the first included
	// (default 4).
	MaxAttempts int
	// BaseDelay and MaxDelay shape the backoff after a 5xx or a network
	// error: retry n waits a random time in [0, min(MaxDelay,
	// BaseDelay·2^(n-1))] ("full jitter"), so that clients failing together
	// do not come back together (defaults 200ms and 10s).
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// SecondaryWait is the first wait after a secondary rate limit that
	// names no time; each further one doubles (default one minute, as
	// GitHub asks).
	SecondaryWait time.Duration
	// MaxWait is the longest single wait (default 10 minutes). A primary
	// rate limit can last an hour: a request without a deadline gives up
	// with a RetryError rather than hang that long, and the job is
	// retried later.
	MaxWait time.Duration
	// Sleep waits d or until ctx ends (default: a timer). Tests inject one
	// that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock x-ratelimit-reset and Retry-After dates are read
	// against (default time.Now). Context deadlines are always read
	// against the real clock, as the context package sets them.
	Now func() time.Time
}

// Defaults of RetryOptions.
const (
	DefaultMaxAttempts   = 4
	DefaultBaseDelay     = 200 * time.Millisecond
	DefaultMaxDelay      = 10 * time.Second
	DefaultSecondaryWait = time.Minute
	DefaultMaxWait       = 10 * time.Minute
)

// resetMargin is added to a wait until x-ratelimit-reset: the header has
// whole seconds and our clock may run a little ahead of GitHub's, and a
// retry one second early would only earn another 403.
const resetMargin = time.Second

// peekLimit bounds how much of an error body is read to tell a secondary
// rate limit from a permission error, and how much of a discarded body is
// drained to keep its connection.
const peekLimit = 64 << 10

func (o RetryOptions) withDefaults() RetryOptions {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.SecondaryWait <= 0 {
		o.SecondaryWait = DefaultSecondaryWait
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RetryError reports a request that RetryTransport gave up on instead of
// waiting: the wait GitHub asked for, or the backoff, would pass the
// request's deadline or exceed MaxWait, or a rate limit outlasted
// MaxAttempts. The Client reports it as a *pullreq.TransientError.
type RetryError struct {
	Method string
	Route  string
	// Status is the last response's status, 0 after a network error.
	Status int
	// Reason says why the request was to be retried: "server error",
	// "network error", "rate limited (Retry-After)", "primary rate limit"
	// or "secondary rate limit".
	Reason   string
	Attempts int
	// Wait is the wait that was refused; 0 when the attempts ran out.
	Wait time.Duration
	// Limit is what refused it: "deadline", "max wait" or "attempts".
	Limit string
	// Err is the last network error, if that was the reason.
	Err error
}

func (e *RetryError) Error() string {
	what := e.Reason
	if e.Status != 0 {
		what = fmt.Sprintf("%s (%d)", e.Reason, e.Status)
	} else if e.Err != nil {
		what = fmt.Sprintf("%s (%v)", e.Reason, e.Err)
	}
	var why string
	switch e.Limit {
	case "deadline":
		why = fmt.Sprintf("not waiting %v: that is past the request's deadline", e.Wait)
	case "max wait":
		why = fmt.Sprintf("not waiting %v: that is more than the longest wait allowed", e.Wait)
	default:
		why = fmt.Sprintf("gave up after %d attempts", e.Attempts)
	}
	return fmt.Sprintf("%s %s: %s; %s", e.Method, e.Route, what, why)
}

func (e *RetryError) Unwrap() error { return e.Err }

// RetryTransport retries what GitHub asks to be retried: network errors
// and 5xx with exponential backoff and full jitter, rate limits (403 or
// 429 with Retry-After, x-ratelimit-remaining 0, or a secondary-limit
// message) after the wait GitHub names, or at least SecondaryWait. A 403
// that is not a rate limit is a permission problem and is returned at
// once. It never sleeps past the request's deadline, and only retries
// requests whose body it can send again.
//
// It sits above the installation-token transport, so each attempt gets a
// valid token even after a long wait.
type RetryTransport struct {
	Next    http.RoundTripper
	Options RetryOptions
	// Logger gets one warning per retry (default: discard).
	Logger *slog.Logger
	// BasePath is the API root's path, left out of the routes logged.
	BasePath string
	// jitter picks the backoff in [0, max]; tests make it exact.
	jitter func(max time.Duration) time.Duration
}

// RoundTrip sends req, and again while GitHub's answer says so.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	o := t.Options.withDefaults()
	ctx := req.Context()
	route := routeOf(t.BasePath, req.URL)
	resendable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	secondaryWaits := 0
	for attempt := 1; ; attempt++ {
		r, err := attemptRequest(req, attempt)
		if err != nil {
			return nil, err
		}
		resp, rtErr := t.Next.RoundTrip(r)

		var wait time.Duration
		var reason string
		status := 0
		rateLimited := false
		switch {
		case rtErr != nil:
			if ctx.Err() != nil || !retryableError(rtErr) {
				return nil, rtErr
			}
			reason, wait = "network error", t.backoff(o, attempt)
		case resp.StatusCode >= 500:
			status, reason, wait = resp.StatusCode, "server error", t.backoff(o, attempt)
		case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests:
			status = resp.StatusCode
			wait, reason, rateLimited = rateLimitWait(resp, o, &secondaryWaits)
			if !rateLimited {
				return resp, nil // a permission problem: retrying will not help
			}
		default:
			return resp, nil
		}

		if !resendable {
			return resp, rtErr // the body is gone: the caller sees GitHub's answer
		}
		giveUp := func(limit string, wait time.Duration) (*http.Response, error) {
			discard(resp)
			return nil, &RetryError{Method: req.Method, Route: route, Status: status, Reason: reason,
				Attempts: attempt, Wait: wait, Limit: limit, Err: rtErr}
		}
		if attempt >= o.MaxAttempts {
			if rateLimited {
				// Handing go-github the 403 would also make it refuse
				// every request of this installation until the reset,
				// without asking us; our error keeps this the one place
				// that decides.
				return giveUp("attempts", 0)
			}
			return resp, rtErr // the last 5xx or network error, as it came
		}
		if wait > o.MaxWait {
			return giveUp("max wait", wait)
		}
		if deadline, ok := ctx.Deadline(); ok && wait > time.Until(deadline) {
			return giveUp("deadline", wait)
		}
		discard(resp)
		args := []any{"method", req.Method, "route", route, "status", status, "reason", reason,
			"attempt", attempt, "wait", wait}
		if rtErr != nil {
			args = append(args, "error", rtErr)
		}
		t.logger().WarnContext(ctx, "retrying GitHub request", args...)
		if err := o.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (t *RetryTransport) logger() *slog.Logger {
	if t.Logger == nil {
		return discardLogger
	}
	return t.Logger
}

var discardLogger = slog.New(slog.DiscardHandler)

// backoff is the full-jitter wait before retry number attempt.
func (t *RetryTransport) backoff(o RetryOptions, attempt int) time.Duration {
	ceiling := o.MaxDelay
	if shift := attempt - 1; shift < 32 && o.BaseDelay<<shift < o.MaxDelay && o.BaseDelay<<shift > 0 {
		ceiling = o.BaseDelay << shift
	}
	if t.jitter != nil {
		return t.jitter(ceiling)
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

// attemptRequest is the request for one attempt. Each is a clone, because
// the transports below may set headers (the App JWT transport does, on
// the request it is given); later ones get a fresh body.
func attemptRequest(req *http.Request, attempt int) (*http.Request, error) {
	r := req.Clone(req.Context())
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("rewinding the body of %s %s: %w", req.Method, req.URL.Path, err)
		}
		r.Body = body
	}
	return r, nil
}

// retryableError tells a network error, worth another try, from one that
// will recur: a rejected TLS certificate, or GitHub refusing the App an
// installation token (bad key, installation removed).
func retryableError(err error) bool {
	var he *ghinstallation.HTTPError
	if errors.As(err, &he) && he.Response != nil {
		// ghinstallation leaves the body of a failed token request open.
		if he.Response.Body != nil {
			he.Response.Body.Close()
		}
		code := he.Response.StatusCode
		return code >= 500 || code == http.StatusTooManyRequests
	}
	var certErr *tls.CertificateVerificationError
	return !errors.As(err, &certErr)
}

// rateLimitWait tells whether a 403 or 429 is a rate limit, and how long
// GitHub asks to wait: Retry-After first, then x-ratelimit-reset when no
// requests remain, else a secondary limit's minute, doubled each time.
func rateLimitWait(resp *http.Response, o RetryOptions, secondaryWaits *int) (time.Duration, string, bool) {
	h := resp.Header
	if d, ok := parseRetryAfter(h.Get("Retry-After"), o.Now()); ok {
		return d, "rate limited (Retry-After)", true
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return max(0, time.Unix(reset, 0).Sub(o.Now())) + resetMargin, "primary rate limit", true
		}
		return secondaryWait(o, secondaryWaits), "primary rate limit", true
	}
	if resp.StatusCode == http.StatusTooManyRequests || mentionsRateLimit(peekBody(resp)) {
		return secondaryWait(o, secondaryWaits), "secondary rate limit", true
	}
	return 0, "", false
}

func secondaryWait(o RetryOptions, n *int) time.Duration {
	d := o.SecondaryWait
	for i := 0; i < *n && d < o.MaxWait; i++ {
		d *= 2
	}
	*n++
	return d
}

// parseRetryAfter reads Retry-After as seconds (what GitHub sends) or as
// an HTTP date (what the HTTP standard also allows).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		if s < 0 {
			s = 0
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// mentionsRateLimit recognises GitHub's rate-limit messages ("You have
// exceeded a secondary rate limit", "API rate limit exceeded", and the
// older "abuse detection mechanism") in an error body.
func mentionsRateLimit(body []byte) bool {
	b := bytes.ToLower(body)
	return bytes.Contains(b, []byte("rate limit")) || bytes.Contains(b, []byte("abuse detection"))
}

// peekBody reads the start of resp's body and puts it back, so that the
// caller still gets the whole body.
func peekBody(resp *http.Response) []byte {
	if resp.Body == nil {
		return nil
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, peekLimit))
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	return head
}

type readCloser struct {
	io.Reader
	io.Closer
}

// discard drains (a little of) a response that will not be returned, so
// its connection can be reused, and closes it.
func discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, peekLimit))
	resp.Body.Close()
}
