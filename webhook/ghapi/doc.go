// Package ghapi is the App's edge to GitHub's REST API: a Client per
// installation implementing pullreq.GitHub, checks.API and
// exception.GitHub on go-github, and Apps, which authenticates as the App
// (ghinstallation) and hands the Clients out. NewTokenClient makes the
// same Client for people and scripts, authenticated with a token; it also
// searches pull requests and lists repositories, for the mountguard
// exceptions command.
//
// Every request goes through a stack of small transports, outermost first:
//
//	SerialTransport   one mutation at a time per installation
//	RetryTransport    5xx, network errors and rate limits, deadline-aware
//	ghinstallation    installation token, cached and refreshed
//	MetricsTransport  github_* metrics, per attempt (token requests too)
//	AppsOptions.Transport
//
// A token client has the token in place of ghinstallation.
//
// Errors say what was being done and to which repository; a failure worth
// retrying later is a *pullreq.TransientError, a 404 wraps fs.ErrNotExist.
package ghapi
