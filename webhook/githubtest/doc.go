// Package githubtest is a fake GitHub REST API for tests and for
// `mountguard demo`: an httptest server that serves what mountguard's
// GitHub client needs (review/pullreq.GitHub and checks.API), authenticates
// like GitHub (App JWT for the App's endpoints, installation tokens for the
// rest), counts rate limits, and enforces the GitHub limits that matter to
// a review bot with GitHub's own status codes and error texts, so that a
// client that passes against it does not meet a new failure in production.
//
// The fake's pull requests are computed, not scripted: a test stores
// commits as whole trees, and the fake diffs base and head (go-udiff's
// Myers diff, three lines of context, see patch.go), so the `patch` of each
// file is a valid unified diff whose hunks say exactly which lines a review
// comment may sit on. Where a change can be written several ways, the
// hunks may differ from the ones GitHub (git) would show.
//
// A typical test:
//
//	gh := githubtest.NewServer()
//	defer gh.Close()
//	gh.AddRepo(githubtest.Repo{Owner: "octo", Name: "shop"})
//	base, _ := gh.AddCommit("octo", "shop", githubtest.Commit{Files: map[string]string{"compose.yaml": old}})
//	head, _ := gh.AddCommit("octo", "shop", githubtest.Commit{Parents: []string{base}, Files: map[string]string{"compose.yaml": new}})
//	gh.SetBranch("octo", "shop", "main", base)
//	gh.AddPullRequest("octo", "shop", githubtest.PullRequest{Number: 7, HeadSHA: head})
//	key, _ := githubtest.NewPrivateKey()
//	gh.SetApp(42, "mountguard", key)
//	gh.AddInstallation(githubtest.Installation{ID: 9, Account: "octo"})
//	// ... run the client with base URL gh.URL + "/" ...
//	for _, rv := range gh.Reviews("octo", "shop", 7) { ... }
//
// For the exceptions workflow it also serves labels (the repository's,
// and a pull request's through the issues API, with labeled/unlabeled
// issue events), conversation comments, collaborator permissions, team
// memberships, review requests, a pull request's commits (those of its
// head that its base branch lacks, at most 250, each with the account
// that wrote it: Commit.Author, the pull request's author when nil) and
// GET /search/issues with its own rate limit. A test sets up who may do
// what and what people do in the UI:
//
//	gh.AddCommit("acme", "api", githubtest.Commit{Parents: []string{head}, Files: files, Author: &githubtest.Person{Login: "lead"}})
//	gh.AddTeam(githubtest.Team{Org: "acme", Slug: "security", Members: []string{"lead"}, Repos: map[string]string{"acme/api": "maintain"}})
//	gh.SetRole("acme", "api", "dev", "write")
//	gh.AddLabel("acme", "api", githubtest.Label{Name: "mountguard: exception"})
//	d, _ := gh.SetLabel("acme", "api", 7, "mountguard: exception", "lead", true)
//	d.Secret = secret // ... and deliver d to the App's webhook
//	gh.MergePullRequest("acme", "api", 7, "lead")
//
// Where GitHub's behaviour is only partly known, the fake picks the
// stricter reading and says so in a comment.
package githubtest
