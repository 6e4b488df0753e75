package githubtest

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// GET /search/issues over the fake's pull requests, with the qualifiers
// mountguard uses, and the search API's own rate limit (see bucketFor).

// docSearch is the documentation URL of search error bodies
// (changesets/action#252, googleapis/release-please#948).
const docSearch = "https://docs.github.com/v3/search/"

// GitHub's search error texts.
const (
	// A repo:, org: or user: qualifier naming something that does not
	// exist or that the credential cannot see: 422 Validation Failed,
	// resource Search, field q, code invalid (changesets/action#252,
	// googleapis/repo-automation-bots#2222 for an org whose repositories
	// are all private).
	msgSearchCannotSee = "The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them."
	// Free text over 256 characters (same form; the text is quoted in
	// public client tests and logs). GitHub counts the text without the
	// qualifiers; the fake counts the free-text terms and the spaces
	// between them.
	msgSearchTooLong = "The search is longer than 256 characters."
	// A page that starts past the 1000th result: 422 with this message
	// and no errors list. Pages that start within the first 1000 are
	// served (a page of 30 from result 991 is), as client code measuring
	// it reports.
	msgSearchFirst1000 = "Only the first 1000 search results are available"
)

const (
	maxSearchText    = 256
	maxSearchResults = 1000
)

// searchQuery is a parsed q.
type searchQuery struct {
	repos, owners []string // lower-case "owner/name" and logins
	issuesOnly    bool     // is:issue or type:issue: nothing, the fake has none
	states        []string
	merged        []bool
	dates         []dateFilter
	labels        []string
	authors       []string
	in            map[string]bool // nil: title, body and comments
	terms         []string        // lower-case words and phrases
}

// dateFilter is a created:, updated:, merged: or closed: qualifier: the
// time must be in [lo, hi); a zero bound is open.
type dateFilter struct {
	field  string
	lo, hi time.Time
}

func (d dateFilter) match(t time.Time) bool {
	if t.IsZero() {
		return false
	}
	return (d.lo.IsZero() || !t.Before(d.lo)) && (d.hi.IsZero() || t.Before(d.hi))
}

// searchTokens splits q at spaces outside double quotes.
func searchTokens(q string) []string {
	var toks []string
	var b strings.Builder
	quoted := false
	for _, r := range q {
		switch {
		case r == '"':
			quoted = !quoted
			b.WriteRune(r)
		case unicode.IsSpace(r) && !quoted:
			if b.Len() > 0 {
				toks = append(toks, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() > 0 {
		toks = append(toks, b.String())
	}
	return toks
}

var qualifierRE = regexp.MustCompile(`^([a-z][a-z-]*):(.+)$`)

// unimplementedQualifiers are GitHub qualifiers of issue search the fake
// does not evaluate; a query using one is refused rather than answered
// wrongly.
var unimplementedQualifiers = map[string]bool{
	"assignee": true, "mentions": true, "commenter": true, "involves": true, "team": true,
	"milestone": true, "no": true, "base": true, "head": true, "status": true, "language": true,
	"reactions": true, "interactions": true, "comments": true, "draft": true, "linked": true,
	"archived": true, "sort": true, "project": true, "review": true, "reviewed-by": true,
	"review-requested": true, "user-review-requested": true, "team-review-requested": true,
	"sha": true, "fork": true, "topic": true, "reason": true, "parent-issue": true,
}

// notImplemented is the fake's own refusal, in GitHub's error shape but
// plainly not GitHub's text.
func notImplemented(what string) *reply {
	return validationFailed(docSearch, fieldError{Resource: "Search", Field: "q", Code: "invalid",
		Message: "githubtest: the fake does not implement " + what + " in searches"})
}

func searchInvalid(message string) *reply {
	return validationFailed(docSearch, fieldError{Resource: "Search", Field: "q", Code: "invalid", Message: message})
}

// parseSearch reads q: qualifiers, quoted phrases and words.
func parseSearch(q string) (*searchQuery, *reply) {
	sq := &searchQuery{}
	textLen, textTerms := 0, 0
	addText := func(raw, term string) {
		if textTerms > 0 {
			textLen++
		}
		textTerms++
		textLen += utf8.RuneCountInString(raw)
		sq.terms = append(sq.terms, strings.ToLower(term))
	}
	for _, tok := range searchTokens(q) {
		switch {
		case tok == "AND":
			continue
		case tok == "OR" || tok == "NOT" || strings.ContainsAny(tok[:1], "()") || strings.HasSuffix(tok, ")"):
			return nil, notImplemented("the operator " + strconv.Quote(tok))
		case strings.HasPrefix(tok, "-") && len(tok) > 1:
			return nil, notImplemented("the exclusion " + strconv.Quote(tok))
		case strings.HasPrefix(tok, `"`):
			phrase := strings.Trim(tok, `"`)
			if phrase != "" {
				addText(tok, phrase)
			}
			continue
		}
		m := qualifierRE.FindStringSubmatch(tok)
		if m == nil {
			addText(tok, tok)
			continue
		}
		key, value := m[1], strings.Trim(m[2], `"`)
		lv := strings.ToLower(value)
		switch key {
		case "repo":
			if o, n, ok := strings.Cut(lv, "/"); !ok || o == "" || n == "" {
				return nil, searchInvalid(msgSearchCannotSee)
			}
			sq.repos = append(sq.repos, lv)
		case "org", "user":
			sq.owners = append(sq.owners, lv)
		case "is", "type", "state":
			switch {
			case (lv == "pr" || lv == "pull-request") && key != "state":
			case lv == "issue" && key != "state":
				sq.issuesOnly = true
			case lv == "open" || lv == "closed":
				if key == "type" {
					return nil, notImplemented(tok)
				}
				sq.states = append(sq.states, lv)
			case (lv == "merged" || lv == "unmerged") && key == "is":
				sq.merged = append(sq.merged, lv == "merged")
			default:
				return nil, notImplemented(tok)
			}
		case "created", "updated", "merged", "closed":
			lo, hi, err := parseDateRange(value)
			if err != nil {
				return nil, notImplemented("the date " + strconv.Quote(tok))
			}
			sq.dates = append(sq.dates, dateFilter{field: key, lo: lo, hi: hi})
		case "label":
			sq.labels = append(sq.labels, value)
		case "author":
			sq.authors = append(sq.authors, lv)
		case "in":
			if sq.in == nil {
				sq.in = map[string]bool{}
			}
			for _, f := range strings.Split(lv, ",") {
				if f != "title" && f != "body" && f != "comments" {
					return nil, notImplemented(tok)
				}
				sq.in[f] = true
			}
		default:
			if unimplementedQualifiers[key] {
				return nil, notImplemented("the qualifier " + strconv.Quote(key+":"))
			}
			// Not a qualifier GitHub knows: words.
			addText(tok, tok)
		}
	}
	if textLen > maxSearchText {
		return nil, searchInvalid(msgSearchTooLong)
	}
	return sq, nil
}

// parseDateRange reads a date qualifier's value: D, >D, >=D, <D, <=D,
// D..D, D..* or *..D, where D is a date (YYYY-MM-DD, a whole UTC day) or
// a time (RFC 3339, or without a zone for UTC).
func parseDateRange(v string) (lo, hi time.Time, err error) {
	if a, b, ok := strings.Cut(v, ".."); ok {
		if a != "*" {
			if lo, _, err = parseSearchDate(a); err != nil {
				return
			}
		}
		if b != "*" {
			if _, hi, err = parseSearchDate(b); err != nil {
				return
			}
		}
		return lo, hi, nil
	}
	for _, op := range []string{">=", "<=", ">", "<"} {
		if rest, ok := strings.CutPrefix(v, op); ok {
			start, end, err := parseSearchDate(rest)
			if err != nil {
				return lo, hi, err
			}
			switch op {
			case ">=":
				return start, time.Time{}, nil
			case ">":
				return end, time.Time{}, nil
			case "<":
				return time.Time{}, start, nil
			default:
				return time.Time{}, end, nil
			}
		}
	}
	return parseSearchDate(v)
}

// parseSearchDate returns the interval a date or time covers: a day, or
// a second.
func parseSearchDate(v string) (start, end time.Time, err error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, t.AddDate(0, 0, 1), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return t, t.Add(time.Second), nil
		}
	}
	return start, end, fmt.Errorf("githubtest: cannot read the date %q", v)
}

var htmlComment = regexp.MustCompile(`(?s)<!--.*?-->`)

// containsTerm reports whether text holds the lower-case term as whole
// words, ignoring case. HTML comments are not searched: GitHub's in:body
// search did not find text in them (JasonEtco/todo#24), although a later
// report found it did on github.com but not on GitHub Enterprise
// (pfnet-research/alertmanager-to-github#28); the fake takes the stricter
// reading, so a hidden marker must not be what a search relies on.
func containsTerm(text, term string) bool {
	text = strings.ToLower(htmlComment.ReplaceAllString(text, " "))
	wordy := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	first, _ := utf8.DecodeRuneInString(term)
	last, _ := utf8.DecodeLastRuneInString(term)
	for from := 0; ; {
		i := strings.Index(text[from:], term)
		if i < 0 {
			return false
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		after, _ := utf8.DecodeRuneInString(text[i+len(term):])
		okBefore := i == 0 || !wordy(first) || !wordy(before)
		okAfter := i+len(term) == len(text) || !wordy(last) || !wordy(after)
		if okBefore && okAfter {
			return true
		}
		from = i + 1
	}
}

// match reports whether a pull request meets every condition.
func (sq *searchQuery) match(p *pull) bool {
	if sq.issuesOnly {
		return false
	}
	if len(sq.repos)+len(sq.owners) > 0 {
		in := false
		for _, name := range sq.repos {
			in = in || name == p.base.key()
		}
		for _, login := range sq.owners {
			in = in || login == strings.ToLower(p.base.owner.login)
		}
		if !in {
			return false
		}
	}
	for _, st := range sq.states {
		if p.state != st {
			return false
		}
	}
	for _, m := range sq.merged {
		if p.merged != m {
			return false
		}
	}
	for _, d := range sq.dates {
		t := map[string]time.Time{"created": p.created, "updated": p.updated, "merged": p.mergedAt, "closed": p.closedAt}[d.field]
		if !d.match(t) {
			return false
		}
	}
	for _, name := range sq.labels {
		if findLabel(p.labels, name) == nil {
			return false
		}
	}
	for _, login := range sq.authors {
		if login != strings.ToLower(p.user.login) {
			return false
		}
	}
	for _, term := range sq.terms {
		if !sq.textMatch(p, term) {
			return false
		}
	}
	return true
}

// textMatch looks for a term in the fields in: selects (all three when
// none is given).
func (sq *searchQuery) textMatch(p *pull, term string) bool {
	field := func(f string) bool { return sq.in == nil || sq.in[f] }
	if field("title") && containsTerm(p.title, term) || field("body") && containsTerm(p.body, term) {
		return true
	}
	if field("comments") {
		for _, c := range p.issueComments {
			if !c.deleted && containsTerm(c.body, term) {
				return true
			}
		}
	}
	return false
}

// searchable reports whether a search with these credentials sees the
// repository: a public one without credentials, else what the token may
// use. As everywhere in the fake, an installation token sees only the
// installation's repositories, public ones of other accounts included
// (the stricter reading: GitHub lets it read public repositories).
func searchable(c *credential, r *repo) bool {
	if c == nil {
		return !r.private
	}
	return c.canSee(r)
}

// searchIssues is GET /search/issues. Results are the pull requests that
// match, newest first unless sort (created, updated, comments) and order
// say otherwise (GitHub's default "best match" has no equivalent here),
// total_count counting all of them, 100 a page at most, and pages only
// within the first 1000 results.
func (s *Server) searchIssues(rq *request) *reply {
	q := rq.r.URL.Query()
	if strings.TrimSpace(q.Get("q")) == "" {
		return validationFailed(docSearch, fieldError{Resource: "Search", Field: "q", Code: "missing"})
	}
	sq, rp := parseSearch(q.Get("q"))
	if rp != nil {
		return rp
	}
	for _, name := range sq.repos {
		if r := s.repos[name]; r == nil || !searchable(rq.cred, r) {
			return searchInvalid(msgSearchCannotSee)
		}
	}
	for _, login := range sq.owners {
		visible := false
		for _, r := range s.repos {
			if strings.EqualFold(r.owner.login, login) && searchable(rq.cred, r) {
				visible = true
			}
		}
		if !visible {
			return searchInvalid(msgSearchCannotSee)
		}
	}
	var found []*pull
	for _, r := range s.sortedRepos() {
		if !searchable(rq.cred, r) {
			continue
		}
		for _, p := range r.sortedPulls() {
			if sq.match(p) {
				found = append(found, p)
			}
		}
	}
	asc := q.Get("order") == "asc"
	key := func(p *pull) int64 {
		switch q.Get("sort") {
		case "updated":
			return p.updated.Unix()
		case "comments":
			return int64(p.visibleIssueComments())
		}
		return p.created.Unix()
	}
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if key(a) != key(b) {
			return key(a) < key(b) == asc
		}
		return a.issueID < b.issueID == asc
	})

	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage <= 0 {
		perPage = 30
	}
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	if (page-1)*min(perPage, 100) >= maxSearchResults {
		return errReply(http.StatusUnprocessableEntity, msgSearchFirst1000, docSearch)
	}
	links := &reply{}
	lo, hi := s.page(rq, links, min(len(found), maxSearchResults))
	score := 1.0
	out := struct {
		TotalCount        int         `json:"total_count"`
		IncompleteResults bool        `json:"incomplete_results"`
		Items             []issueJSON `json:"items"`
	}{TotalCount: len(found), Items: []issueJSON{}}
	for _, p := range found[lo:hi] {
		it := s.issueJSON(p)
		it.Score = &score
		out.Items = append(out.Items, it)
	}
	rp = jsonReply(http.StatusOK, out)
	if l := links.header.Get("Link"); l != "" {
		rp.setHeader("Link", l)
	}
	return rp
}
