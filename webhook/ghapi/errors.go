package ghapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"

	"github.com/mountguard/mountguard/review/pullreq"
)

// classify turns an error of go-github or of the transports into what
// callers act on, prefixed with the operation ("listing files of
// octo/cat#12: ..."):
//   - *pullreq.TransientError for what a later try may cure: a 5xx or a
//     network error that outlasted the retries, a rate limit that would
//     outlast the request's deadline, a context that ended;
//   - an error wrapping fs.ErrNotExist for a 404 of the API itself (not of
//     the token request: an installation that is gone is no missing
//     file), one wrapping pullreq.ErrUnprocessable for a 422;
//   - otherwise GitHub's error, wrapped.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var (
		tokenErr *ghinstallation.HTTPError
		retryErr *RetryError
		apiErr   *github.ErrorResponse
		rateErr  *github.RateLimitError
		abuseErr *github.AbuseRateLimitError
		urlErr   *url.Error
	)
	transient := func() error { return &pullreq.TransientError{Err: fmt.Errorf("%s: %w", op, err)} }
	switch {
	case errors.As(err, &tokenErr) && tokenErr.Response != nil &&
		tokenErr.Response.StatusCode < 500 && tokenErr.Response.StatusCode != http.StatusTooManyRequests:
		return fmt.Errorf("%s: authenticating as the installation: %w", op, err)
	case errors.As(err, &retryErr), errors.As(err, &rateErr), errors.As(err, &abuseErr):
		// go-github's own rate-limit errors only come when it refused to
		// send a request after a 2xx said no requests remain.
		return transient()
	case errors.As(err, &apiErr) && apiErr.Response != nil:
		switch code := apiErr.Response.StatusCode; {
		case code == http.StatusNotFound:
			return fmt.Errorf("%s: %w: %w", op, fs.ErrNotExist, err)
		case code == http.StatusUnprocessableEntity:
			// A comment off the diff fails a whole review; the caller
			// sends it again without inline comments.
			return fmt.Errorf("%s: %w: %w", op, pullreq.ErrUnprocessable, err)
		case code >= 500, code == http.StatusTooManyRequests:
			return transient()
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The job ran out of time or the App is stopping: another run
		// may well succeed.
		return transient()
	case errors.As(err, &urlErr):
		// go-github wraps every transport error in a *url.Error: a
		// network error that RetryTransport already retried.
		return transient()
	}
	return fmt.Errorf("%s: %w", op, err)
}
