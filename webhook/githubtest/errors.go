package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// GitHub's error texts, as its API returns them. Each is quoted from a
// response reported in a public issue tracker (named below) so that code
// tested against the fake sees what it will see in production. Where
// GitHub's text could not be found, the comment says which text the fake
// uses instead and why.
const (
	// 401 for an unknown or expired token (`{"message":"Bad credentials",
	// "documentation_url":"https://docs.github.com/rest","status":"401"}`,
	// hisxo/gitGraber#54).
	msgBadCredentials = "Bad credentials"
	// 401 for a request without credentials to an endpoint that needs
	// them.
	msgRequiresAuth = "Requires authentication"
	// 401 for an App JWT that is malformed or not signed by the App's key
	// (backstage/backstage#12887).
	msgJWTDecode = "A JSON web token could not be decoded"
	// 401 for an expired App JWT (sigmavirus24/github3.py#1050).
	msgJWTExpired = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	// 401 for an App JWT valid for more than 10 minutes
	// (SFDO-Tooling/CumulusCI#1171).
	msgJWTTooLong = "'Expiration time' claim ('exp') is too far in the future"

	msgNotFound = "Not Found"

	// 403 for an exhausted primary limit, with x-ratelimit-remaining: 0
	// (upptime/upptime#786: "API rate limit exceeded for installation ID
	// X").
	msgRateLimitInstallation = "API rate limit exceeded for installation ID %d."
	msgRateLimitUser         = "API rate limit exceeded for user ID %d."
	// 403 for a secondary limit (apache/devlake#1322).
	msgSecondaryRateLimit = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."

	// Pull request reviews: 422 `{"message":"Unprocessable Entity",
	// "errors":[...]}`, one string per failed thread, the thread's
	// messages joined as a sentence (parkerbxyz/suggest-changes#28 and
	// #64, danobi/prr#11).
	msgUnprocessable       = "Unprocessable Entity"
	msgThreadLine          = "Pull request review thread line must be part of the diff"
	msgThreadStartLineHunk = "Pull request review thread start line must be part of the same hunk as the line."
	msgThreadDiffHunk      = "Pull request review thread diff hunk can't be blank"
	// A start line at or after the line (ubuntu/WSL#244).
	msgThreadStartPrecedes = "Pull request review thread start line must precede the end line."
	// A comment on a file the pull request does not change
	// (warpdotdev/oz-for-oss#310).
	msgPathUnresolved = "Path could not be resolved"

	// Check runs: GitHub validates the request against the endpoint's
	// JSON schema first and answers 422 `{"message":"Invalid request.\n\n
	// <one line per problem>"}` (the two texts below are from
	// AdWerx/pronto-ruby#49 and reviewdog/action-actionlint#72; the
	// "wasn't supplied" form from github-community-projects/safe-settings
	// #1015 and humanmade/linter-bot#71). The same schema gives the
	// limits of annotation titles and of action buttons, so the fake
	// reports those in the same words.
	msgInvalidRequest = "Invalid request."
	msgTooManyItems   = "No more than %d items are allowed; %d were supplied."
	msgTooManyChars   = "Only %d characters are allowed; %d were supplied."
	// Then it validates the model: 422 `{"message":"Validation Failed",
	// "errors":[{"resource":"CheckRun","code":...,"field":...}]}`. A
	// summary within 65535 characters but over 65535 bytes
	// (github/docs#35252), a completed run without a conclusion
	// (argoproj/notifications-engine#399: code missing_field), and
	// annotations GitHub cannot store, such as columns on a multi-line
	// annotation (probot/probot#790, octokit/octokit.js#1170: code
	// invalid, field annotations).
	msgValidationFailed = "Validation Failed"
	msgBytesize         = "%s exceeds a maximum bytesize of 65535"
	// An enum value GitHub does not accept ("stale is not a member of
	// [...]" for a conclusion, seen by pkgdeps/automerge-gate); the fake
	// words every enum error this way.
	msgNotAMember = "%s is not a member of [%s]."

	// 422 for a head_sha or commit_id that is not a commit of the
	// repository, and for commits/{ref}/... with an unknown ref
	// (rust-lang/homu#141).
	msgNoCommitSHA = "No commit found for SHA: %s"
	// 404 from the contents API for an unknown ref
	// (nextcloud/integration_github#61).
	msgNoCommitRef = "No commit found for the ref %s"
	// 403 from the contents API for a file over the raw limit; GitHub's
	// text for its old 1 MB limit (JasonEtco/todo#43), with today's 100
	// MB limit.
	msgTooLarge = "This API returns blobs up to 100 MB in size. The requested blob is too large to fetch via the API, but you can use the Git Data API to request blobs up to 100 MB in size."
)

// Documentation URLs GitHub puts in error bodies. go-github recognises a
// secondary rate limit by the suffix "secondary-rate-limits".
const (
	docRest               = "https://docs.github.com/rest"
	docSecondaryRateLimit = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	docPrimaryRateLimit   = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit"
	docCreateReview       = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"
	docCreateComment      = "https://docs.github.com/rest/pulls/comments#create-a-review-comment-for-a-pull-request"
	docCreateCheckRun     = "https://docs.github.com/rest/checks/runs#create-a-check-run"
	docUpdateCheckRun     = "https://docs.github.com/rest/checks/runs#update-a-check-run"
	docContents           = "https://docs.github.com/rest/repos/contents#get-repository-content"
)

// reply is a response before it is written.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r *reply) setHeader(k, v string) {
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set(k, v)
}

// jsonReply encodes v, which is usually a go-github type so that the shape
// is GitHub's own.
func jsonReply(status int, v any) *reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("githubtest: encoding a response: %v", err))
	}
	rp := &reply{status: status, body: b}
	rp.setHeader("Content-Type", "application/json; charset=utf-8")
	return rp
}

// apiError is GitHub's error body. Errors holds strings (pull request
// reviews) or objects (validation errors), as GitHub sends either.
type apiError struct {
	Message          string `json:"message"`
	Errors           []any  `json:"errors,omitempty"`
	DocumentationURL string `json:"documentation_url"`
	// Status repeats the HTTP status as a string, as GitHub's bodies
	// have since 2024.
	Status string `json:"status"`
}

// fieldError is one entry of a "Validation Failed" error list.
type fieldError struct {
	// Value is the rejected value, which some errors repeat.
	Value    any    `json:"value,omitempty"`
	Resource string `json:"resource"`
	Code     string `json:"code"`
	Field    string `json:"field"`
	Message  string `json:"message,omitempty"`
}

func errReply(status int, message, doc string, errs ...any) *reply {
	if doc == "" {
		doc = docRest
	}
	return jsonReply(status, apiError{Message: message, Errors: errs, DocumentationURL: doc, Status: strconv.Itoa(status)})
}

func notFound(doc string) *reply { return errReply(http.StatusNotFound, msgNotFound, doc) }

// invalidRequest is the schema-validation 422: "Invalid request." and one
// line per problem.
func invalidRequest(doc string, problems []string) *reply {
	return errReply(http.StatusUnprocessableEntity, msgInvalidRequest+"\n\n"+strings.Join(problems, "\n"), doc)
}

func validationFailed(doc string, errs ...fieldError) *reply {
	anyErrs := make([]any, len(errs))
	for i, e := range errs {
		anyErrs[i] = e
	}
	return errReply(http.StatusUnprocessableEntity, msgValidationFailed, doc, anyErrs...)
}

// toSentence joins messages the way Rails' Array#to_sentence does, which
// is how GitHub joins a review thread's errors: "a", "a and b", "a, b,
// and c".
func toSentence(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	case 2:
		return parts[0] + " and " + parts[1]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + ", and " + parts[len(parts)-1]
}

// supplied renders the schema's message for missing required properties:
// `"a" wasn't supplied.` or `"a", "b" weren't supplied.`.
func supplied(missing []string) string {
	q := make([]string, len(missing))
	for i, m := range missing {
		q[i] = strconv.Quote(m)
	}
	if len(q) == 1 {
		return q[0] + " wasn't supplied."
	}
	return strings.Join(q, ", ") + " weren't supplied."
}
