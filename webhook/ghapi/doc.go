// Package ghapi is the App's edge to GitHub's REST API: a Client per
// installation implementing pullreq.GitHub and checks.API on go-github,
// and Apps, which authenticates as the App (ghinstallation) and hands the
// Clients out.
//
// Every request goes through a stack of small transports, outermost first:
//
//	SerialTransport   one mutation at a time per installation
//	RetryTransport    5xx, network errors and rate limits, deadline-aware
//	ghinstallation    installation token, cached and refreshed
//	MetricsTransport  github_* metrics, per attempt (token requests too)
//	AppsOptions.Transport
//
// Errors say what was being done and to which repository; a failure worth
// retrying later is a *pullreq.TransientError, a 404 wraps fs.ErrNotExist.
package ghapi
