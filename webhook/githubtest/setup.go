package githubtest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Repo describes a repository for AddRepo.
type Repo struct {
	Owner, Name string
	// DefaultBranch is "main" when empty.
	DefaultBranch string
	// OwnerType is the owner's account type, "User" (the default) or
	// "Organization".
	OwnerType string
	// ID is the repository's ID; the fake picks one when zero. Set it to
	// match a webhook payload.
	ID      int64
	Private bool
	// NoDefaultLabels leaves out the labels GitHub gives a new
	// repository (bug, documentation, ...).
	NoDefaultLabels bool
}

// Commit describes a commit for AddCommit: the whole tree, not a change.
type Commit struct {
	// SHA is the commit's ID. When empty the fake derives it from the
	// tree, parents and message as git would, so it is stable.
	SHA     string
	Parents []string
	Message string
	// Files maps each path ("dir/compose.yaml") to its content.
	Files map[string]string
	// Author wrote the commit and Committer committed it (the Author
	// when nil, as for a commit no one rebased). A commit without an
	// Author is listed as written by the author of the pull request it
	// belongs to, the usual case.
	Author, Committer *Person
}

// Person is a commit's author or committer, for Commit.
type Person struct {
	// Login is the GitHub account that GitHub links the commit to, by
	// its email. Empty means the email belongs to no account: the API
	// then shows the author (or committer) as null, with only the git
	// identity in commit.author.
	Login string
	// Name and Email are the git identity; empty, they are the login and
	// GitHub's noreply address for the account
	// ("<id>+<login>@users.noreply.github.com"), or "Someone" and
	// "someone@example.com" without a login.
	Name, Email string
}

// PullRequest describes a pull request for AddPullRequest. Its file list
// and patches are computed from the trees of BaseSHA and HeadSHA.
type PullRequest struct {
	Number      int
	Title, Body string
	// User is the author's login; the repository's owner when empty.
	User string
	// State is "open" (the default) or "closed".
	State string
	Draft bool
	// Base is the base branch (the repository's default branch when
	// empty) and BaseSHA the commit to diff against (the branch's commit
	// when empty). GitHub diffs against the merge base; give that.
	Base, BaseSHA string
	// Head is the head branch ("patch-<number>" when empty), set to
	// HeadSHA in the head repository.
	Head    string
	HeadSHA string
	// HeadRepo is "owner/name" of the fork the pull request comes from;
	// the base repository when empty. The fork must exist and hold
	// HeadSHA; as on GitHub, the head commit is then also readable from
	// the base repository.
	HeadRepo string
	// Renames maps a new path to the old path it was renamed from; the
	// file is listed as "renamed" with previous_filename. Without it an
	// added and a removed file are listed as such.
	Renames map[string]string
	// OmitPatch lists paths whose patch GitHub leaves out, as it does for
	// large diffs (binary files never have one).
	OmitPatch []string
	// ID is the pull request's ID; the fake picks one when zero.
	ID int64
	// CreatedAt is when it was opened (now when zero), for searches by
	// date.
	CreatedAt time.Time
}

// Installation describes an installation of the App for AddInstallation.
type Installation struct {
	ID int64
	// Account is the login of the user or organisation the App is
	// installed on, AccountType "Organization" (the default) or "User".
	Account, AccountType string
	// Repos lists the "owner/name" repositories the installation may use
	// (repository_selection "selected"); empty means all of the
	// account's (repository_selection "all").
	Repos []string
}

// SetApp registers the App: its ID, its slug (its bot comments as
// "<slug>[bot]") and the private key it signs JWTs with (only its public
// half is kept, as on GitHub). NewPrivateKey makes one.
func (s *Server) SetApp(id int64, slug string, privateKeyPEM []byte) error {
	key, err := parsePrivateKey(privateKeyPEM)
	if err != nil {
		return err
	}
	if id <= 0 || slug == "" {
		return errors.New("githubtest: SetApp needs an ID and a slug")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.app = &appInfo{
		id:    id,
		slug:  slug,
		name:  slug,
		key:   &key.PublicKey,
		bot:   s.accountFor(slug+"[bot]", "Bot"),
		owner: s.accountFor(slug+"-owner", "Organization"),
	}
	return nil
}

// AddInstallation installs the App (SetApp first) on an account.
func (s *Server) AddInstallation(in Installation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.app == nil {
		return errors.New("githubtest: AddInstallation before SetApp")
	}
	if in.ID <= 0 || in.Account == "" {
		return errors.New("githubtest: an installation needs an ID and an account")
	}
	kind := in.AccountType
	if kind == "" {
		kind = "Organization"
	}
	inst := &installation{id: in.ID, account: s.accountFor(in.Account, kind), created: s.now()}
	for _, full := range in.Repos {
		owner, name, ok := strings.Cut(full, "/")
		if !ok || owner == "" || name == "" {
			return fmt.Errorf("githubtest: installation repository %q is not owner/name", full)
		}
		inst.repos = append(inst.repos, strings.ToLower(full))
	}
	s.installations[in.ID] = inst
	return nil
}

// InstallationToken returns a fresh token for an installation, as POST
// /app/installations/{id}/access_tokens would, for tests that do not
// exercise the JWT exchange.
func (s *Server) InstallationToken(installationID int64) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.installations[installationID]
	if in == nil {
		return "", fmt.Errorf("githubtest: no installation %d", installationID)
	}
	return s.newInstallationToken(in, nil).token, nil
}

// UserToken returns a token that acts as a person (a personal access
// token), for simulating humans: replying to a review comment, say. It may
// use every repository.
func (s *Server) UserToken(login string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &credential{token: newToken("ghp_"), user: s.accountFor(login, "User"), expires: s.now().Add(24 * 365 * time.Hour)}
	s.tokens[c.token] = c
	return c.token
}

// repo is a repository's state.
type repo struct {
	id            int64
	owner         *account
	name          string
	defaultBranch string
	private       bool
	created       time.Time
	commits       map[string]*commitObj
	branches      map[string]string
	trees         map[string]*treeNode
	blobs         map[string]string
	pulls         map[int]*pull
	// labels are the repository's labels; collaborators the direct
	// roles by lower-case login.
	labels        []*label
	collaborators map[string]grant
}

func (r *repo) key() string      { return strings.ToLower(r.owner.login + "/" + r.name) }
func (r *repo) fullName() string { return r.owner.login + "/" + r.name }

type commitObj struct {
	sha     string
	parents []string
	message string
	snap    *snapshot
	// author and committer are nil for a commit written by the author of
	// the pull request it is listed in.
	author, committer *identity
}

// AddRepo creates a repository.
func (s *Server) AddRepo(r Repo) error {
	if r.Owner == "" || r.Name == "" {
		return errors.New("githubtest: a repository needs an owner and a name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(r.Owner + "/" + r.Name)
	if s.repos[key] != nil {
		return fmt.Errorf("githubtest: repository %s/%s exists", r.Owner, r.Name)
	}
	kind := r.OwnerType
	if kind == "" {
		kind = "User"
	}
	id := r.ID
	if id == 0 {
		id = s.newID()
	}
	branch := r.DefaultBranch
	if branch == "" {
		branch = "main"
	}
	rp := &repo{
		id: id, owner: s.accountFor(r.Owner, kind), name: r.Name, defaultBranch: branch,
		private: r.Private, created: s.now(),
		commits: map[string]*commitObj{}, branches: map[string]string{},
		trees: map[string]*treeNode{}, blobs: map[string]string{}, pulls: map[int]*pull{},
		collaborators: map[string]grant{},
	}
	if !r.NoDefaultLabels {
		for _, l := range defaultLabels {
			rp.labels = append(rp.labels, &label{id: s.newID(), name: l.Name, color: l.Color, description: l.Description, isDefault: true})
		}
	}
	s.repos[key] = rp
	return nil
}

func (s *Server) repoFor(owner, name string) (*repo, error) {
	r := s.repos[strings.ToLower(owner+"/"+name)]
	if r == nil {
		return nil, fmt.Errorf("githubtest: no repository %s/%s", owner, name)
	}
	return r, nil
}

// AddCommit stores a commit and returns its SHA.
func (s *Server) AddCommit(owner, repoName string, c Commit) (string, error) {
	snap, err := newSnapshot(c.Files)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil {
		return "", err
	}
	author := s.identityOf(c.Author)
	committer := author
	if c.Committer != nil {
		committer = s.identityOf(c.Committer)
	}
	sha := strings.ToLower(c.SHA)
	if sha == "" {
		sha = commitSHA(snap.root.sha, c.Parents, c.Message, author, committer)
	} else if !isSHA(sha) {
		return "", fmt.Errorf("githubtest: commit SHA %q is not 40 hex digits", c.SHA)
	}
	r.addCommit(&commitObj{sha: sha, parents: c.Parents, message: c.Message, snap: snap, author: author, committer: committer})
	return sha, nil
}

func (r *repo) addCommit(c *commitObj) {
	r.commits[c.sha] = c
	for _, t := range c.snap.trees {
		r.trees[t.sha] = t
	}
	for p, sha := range c.snap.blobs {
		r.blobs[sha] = c.snap.files[p]
	}
}

// SetBranch points a branch at a commit, creating the branch if needed.
func (s *Server) SetBranch(owner, repoName, branch, sha string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil {
		return err
	}
	sha = strings.ToLower(sha)
	if r.commits[sha] == nil {
		return fmt.Errorf("githubtest: %s has no commit %s", r.fullName(), sha)
	}
	r.branches[branch] = sha
	return nil
}

// resolve finds the commit a ref names: a branch, a "heads/" or
// "refs/heads/" branch, or a full or abbreviated (at least 7 digits)
// commit SHA.
func (r *repo) resolve(ref string) *commitObj {
	if ref == "" {
		ref = r.defaultBranch
	}
	for _, name := range []string{ref, strings.TrimPrefix(ref, "heads/"), strings.TrimPrefix(ref, "refs/heads/")} {
		if sha, ok := r.branches[name]; ok {
			return r.commits[sha]
		}
	}
	ref = strings.ToLower(ref)
	if c := r.commits[ref]; c != nil {
		return c
	}
	if len(ref) >= 7 && len(ref) < 40 {
		var found *commitObj
		for sha, c := range r.commits {
			if strings.HasPrefix(sha, ref) {
				if found != nil {
					return nil // ambiguous
				}
				found = c
			}
		}
		return found
	}
	return nil
}

// pull is a pull request's state.
type pull struct {
	id                 int64
	number             int
	title, body, state string
	user               *account
	draft              bool
	base               *repo
	baseRef, baseSHA   string
	head               *repo
	headRef, headSHA   string
	renames            map[string]string
	omit               map[string]bool
	files              []*prFile
	created, updated   time.Time
	reviews            []*review
	// comments are the review comments, in creation order.
	comments []*reviewComment
	// issueID is the ID of the pull request's issue, which GitHub keeps
	// apart from the pull request's.
	issueID int64
	// labels are on the pull request, events its issue events and
	// issueComments its conversation, oldest first.
	labels        []*label
	events        []*issueEvent
	issueComments []*issueComment
	// requestedUsers and requestedTeams are the pending review requests.
	requestedUsers []*account
	requestedTeams []*team
	// merged is set once merged, with when, by whom and the merge
	// commit; closedAt once closed (merged or not).
	merged             bool
	mergedAt, closedAt time.Time
	mergedBy           *account
	mergeSHA           string
}

// prFile is one entry of the pull request's file list.
type prFile struct {
	path, previous, status string
	additions, deletions   int
	// hunks is the diff; patch its rendering, empty when omitted.
	hunks   []hunk
	patch   string
	omitted bool
	sha     string
}

// AddPullRequest opens (or, with State "closed", records) a pull request
// in owner/repo.
func (s *Server) AddPullRequest(owner, repoName string, pr PullRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil {
		return err
	}
	if pr.Number <= 0 {
		return errors.New("githubtest: a pull request needs a number")
	}
	if r.pulls[pr.Number] != nil {
		return fmt.Errorf("githubtest: %s already has pull request #%d", r.fullName(), pr.Number)
	}
	head := r
	if pr.HeadRepo != "" {
		ho, hn, _ := strings.Cut(pr.HeadRepo, "/")
		if head, err = s.repoFor(ho, hn); err != nil {
			return err
		}
	}
	p := &pull{
		number: pr.Number, title: pr.Title, body: pr.Body, state: pr.State, draft: pr.Draft,
		base: r, baseRef: pr.Base, baseSHA: strings.ToLower(pr.BaseSHA),
		head: head, headRef: pr.Head, headSHA: strings.ToLower(pr.HeadSHA),
		renames: pr.Renames, omit: map[string]bool{}, id: pr.ID,
		created: pr.CreatedAt.UTC().Truncate(time.Second),
	}
	if pr.CreatedAt.IsZero() {
		p.created = s.now()
	}
	p.updated = p.created
	if p.id == 0 {
		p.id = s.newID()
	}
	p.issueID = s.newID()
	if p.state == "" {
		p.state = "open"
	}
	if p.state != "open" && p.state != "closed" {
		return fmt.Errorf("githubtest: pull request state %q is neither open nor closed", p.state)
	}
	if p.state == "closed" {
		p.closedAt = p.created
	}
	if p.title == "" {
		p.title = fmt.Sprintf("Pull request #%d", pr.Number)
	}
	user := pr.User
	if user == "" {
		user = r.owner.login
	}
	p.user = s.accountFor(user, "User")
	if p.baseRef == "" {
		p.baseRef = r.defaultBranch
	}
	if p.headRef == "" {
		p.headRef = fmt.Sprintf("patch-%d", pr.Number)
	}
	for _, path := range pr.OmitPatch {
		p.omit[path] = true
	}
	if p.baseSHA == "" {
		c := r.resolve(p.baseRef)
		if c == nil {
			return fmt.Errorf("githubtest: %s has no branch %q and no BaseSHA was given", r.fullName(), p.baseRef)
		}
		p.baseSHA = c.sha
	}
	if r.commits[p.baseSHA] == nil {
		return fmt.Errorf("githubtest: %s has no base commit %s", r.fullName(), p.baseSHA)
	}
	if _, ok := r.branches[p.baseRef]; !ok {
		r.branches[p.baseRef] = p.baseSHA
	}
	if err := s.setHead(p, p.headSHA); err != nil {
		return err
	}
	r.pulls[p.number] = p
	return nil
}

// SetPullRequestHead moves a pull request's head to another commit of its
// head repository, as a push or force-push does, and recomputes its files.
// Review comments follow their lines when the lines are still in the diff
// and become outdated (line null) otherwise, as on GitHub.
func (s *Server) SetPullRequestHead(owner, repoName string, number int, headSHA string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil {
		return err
	}
	p := r.pulls[number]
	if p == nil {
		return fmt.Errorf("githubtest: %s has no pull request #%d", r.fullName(), number)
	}
	oldHead := p.headSHA
	if err := s.setHead(p, strings.ToLower(headSHA)); err != nil {
		return err
	}
	p.updated = s.now()
	s.moveComments(p, oldHead)
	return nil
}

// setHead points the pull request at a head commit and computes its files.
func (s *Server) setHead(p *pull, sha string) error {
	hc := p.head.commits[sha]
	if hc == nil {
		return fmt.Errorf("githubtest: %s has no head commit %q", p.head.fullName(), sha)
	}
	p.headSHA = sha
	p.head.branches[p.headRef] = sha
	if p.head != p.base {
		// refs/pull/N/head makes a fork's commit readable in the base
		// repository.
		p.base.addCommit(hc)
	}
	files, err := diffTrees(p.base.commits[p.baseSHA].snap, hc.snap, p.renames, p.omit)
	if err != nil {
		return err
	}
	p.files = files
	return nil
}

// diffTrees lists the changed files between two trees, in path order as
// GitHub lists them.
func diffTrees(base, head *snapshot, renames map[string]string, omit map[string]bool) ([]*prFile, error) {
	renamedFrom := map[string]bool{}
	for newPath, oldPath := range renames {
		if _, ok := head.files[newPath]; !ok {
			return nil, fmt.Errorf("githubtest: renamed file %q is not in the head commit", newPath)
		}
		if _, ok := base.files[oldPath]; !ok {
			return nil, fmt.Errorf("githubtest: renamed file's old path %q is not in the base commit", oldPath)
		}
		if _, ok := head.files[oldPath]; ok {
			return nil, fmt.Errorf("githubtest: renamed file's old path %q is still in the head commit", oldPath)
		}
		renamedFrom[oldPath] = true
	}
	var files []*prFile
	for path, content := range head.files {
		old, inBase := base.files[path]
		f := &prFile{path: path, sha: head.blobs[path]}
		switch {
		case renames[path] != "":
			f.status, f.previous = "renamed", renames[path]
			old = base.files[f.previous]
		case !inBase:
			f.status = "added"
		case old == content:
			continue
		default:
			f.status = "modified"
		}
		f.fill(old, content, omit[path])
		files = append(files, f)
	}
	for path, old := range base.files {
		if _, inHead := head.files[path]; inHead || renamedFrom[path] {
			continue
		}
		f := &prFile{path: path, status: "removed", sha: base.blobs[path]}
		f.fill(old, "", omit[path])
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, nil
}

// fill computes the file's hunks, counts and patch.
func (f *prFile) fill(old, new string, omit bool) {
	if isBinary(old) || isBinary(new) {
		// GitHub counts nothing for a binary file and gives no patch.
		f.omitted = true
		return
	}
	f.hunks = diffHunks(old, new, contextLines)
	for _, h := range f.hunks {
		for _, l := range h.Lines {
			switch l.Kind {
			case '+':
				f.additions++
			case '-':
				f.deletions++
			}
		}
	}
	f.omitted = omit
	if !omit {
		f.patch = renderPatch(f.hunks)
	}
}
