package githubtest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestContents(t *testing.T) {
	f := newFixture(t)
	large := strings.Repeat("# padding\n", 150000) // 1.5 MB
	sha := f.commit(map[string]string{
		"compose.yaml":          compose,
		"deploy/compose.yaml":   "services: {}\n",
		"deploy/override.yaml":  "services: {}\n",
		"deploy/nested/x.yaml":  "x: 1\n",
		"deploy/large.yaml":     large,
		"docs/with space/a.yml": "a: 1\n",
	})
	f.must(f.gh.SetBranch(owner, repoName, "main", sha))
	f.must(f.gh.SetBranch(owner, repoName, "feature/x", sha))

	// A small file: base64 content, its size and git blob ID; the ref is
	// a branch, a SHA, or (left out) the default branch.
	for _, ref := range []string{"", "main", sha, sha[:7], "feature/x"} {
		fc, _, _, err := f.client.Repositories.GetContents(ctx, owner, repoName, "compose.yaml", &github.RepositoryContentGetOptions{Ref: ref})
		if err != nil {
			t.Fatalf("ref %q: %v", ref, err)
		}
		content, err := fc.GetContent()
		if err != nil || content != compose || fc.GetSize() != len(compose) || fc.GetEncoding() != "base64" || fc.GetSHA() != blobSHA(compose) {
			t.Errorf("ref %q: %q (%v), size %d, encoding %s", ref, content, err, fc.GetSize(), fc.GetEncoding())
		}
	}
	fc, _, _, _ := f.client.Repositories.GetContents(ctx, owner, repoName, "docs/with space/a.yml", nil)
	if got, _ := fc.GetContent(); got != "a: 1\n" {
		t.Errorf("path with a space: %q", got)
	}

	// Over 1 MB: no content, encoding "none", the real size.
	fc, _, _, err := f.client.Repositories.GetContents(ctx, owner, repoName, "deploy/large.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if fc.GetEncoding() != "none" || fc.Content == nil || *fc.Content != "" || fc.GetSize() != len(large) {
		t.Errorf("large file: encoding %q, size %d", fc.GetEncoding(), fc.GetSize())
	}
	if _, err := fc.GetContent(); err == nil {
		t.Error("go-github decoded the content of a file over 1 MB")
	}
	// The raw media type gets the bytes, in all its spellings.
	for _, accept := range []string{"application/vnd.github.raw", "application/vnd.github.raw+json", "application/vnd.github.v3.raw"} {
		resp, body := rawGet(t, f.client, "/repos/octo/shop/contents/deploy/large.yaml?ref=main", http.Header{"Accept": {accept}})
		if string(body) != large || resp.StatusCode != 200 {
			t.Errorf("Accept %s: %d bytes", accept, len(body))
		}
	}
	// go-github's DownloadContents follows the download_url.
	rc, _, err := f.client.Repositories.DownloadContents(ctx, owner, repoName, "deploy/large.yaml", &github.RepositoryContentGetOptions{Ref: "main"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != large {
		t.Errorf("DownloadContents: %d bytes", len(b))
	}

	// A directory is a listing.
	_, dir, _, err := f.client.Repositories.GetContents(ctx, owner, repoName, "deploy", nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range dir {
		names = append(names, e.GetType()+":"+e.GetPath())
	}
	if want := "[file:deploy/compose.yaml file:deploy/large.yaml dir:deploy/nested file:deploy/override.yaml]"; fmt.Sprint(names) != want {
		t.Errorf("listing %v, want %s", names, want)
	}
	_, root, _, err := f.client.Repositories.GetContents(ctx, owner, repoName, "", nil)
	if err != nil || len(root) != 3 {
		t.Errorf("root listing: %d entries, %v", len(root), err)
	}

	// Missing path and missing ref: 404 with GitHub's messages.
	_, _, _, err = f.client.Repositories.GetContents(ctx, owner, repoName, "nope.yaml", nil)
	if er := wantAPIError(t, err, 404); er.Message != "Not Found" {
		t.Errorf("missing path: %q", er.Message)
	}
	_, _, _, err = f.client.Repositories.GetContents(ctx, owner, repoName, "compose.yaml", &github.RepositoryContentGetOptions{Ref: "nope"})
	if er := wantAPIError(t, err, 404); er.Message != "No commit found for the ref nope" {
		t.Errorf("missing ref: %q", er.Message)
	}
}

// TestGitObjects: blob and tree IDs are git's (checked with git write-tree
// and ls-tree), entries in git's order ("dir-b" before "dir", compared as
// "dir/").
func TestGitObjects(t *testing.T) {
	f := newFixture(t)
	sha := f.commit(map[string]string{"a.txt": "hello\n", "dir/compose.yaml": "x: 1\n", "dir-b": "b\n"})
	tree, _, err := f.client.Git.GetTree(ctx, owner, repoName, sha, true)
	if err != nil {
		t.Fatal(err)
	}
	if tree.GetSHA() != "c106ee39973541c73bac06e199734d19c62c9ef5" {
		t.Errorf("root tree %s", tree.GetSHA())
	}
	var got []string
	for _, e := range tree.Entries {
		got = append(got, e.GetMode()+" "+e.GetType()+" "+e.GetSHA()+" "+e.GetPath())
	}
	want := []string{
		"100644 blob ce013625030ba8dba906f756967f9e9ca394464a a.txt",
		"100644 blob 61780798228d17af2d34fce4cfbdf35556832472 dir-b",
		"040000 tree 9f121a40e5a3d9969863280f0c4ba7e82cdcd9fd dir",
		"100644 blob d508cf756344aaf9123c531122a9d2d410c4ecfa dir/compose.yaml",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	sub, _, err := f.client.Git.GetTree(ctx, owner, repoName, "9f121a40e5a3d9969863280f0c4ba7e82cdcd9fd", false)
	if err != nil || len(sub.Entries) != 1 || sub.Entries[0].GetPath() != "compose.yaml" {
		t.Errorf("subtree: %v, %v", sub, err)
	}
	blob, _, err := f.client.Git.GetBlob(ctx, owner, repoName, "ce013625030ba8dba906f756967f9e9ca394464a")
	if err != nil || blob.GetSize() != 6 || blob.GetEncoding() != "base64" {
		t.Errorf("blob: %v, %v", blob, err)
	}
	raw, _, err := f.client.Git.GetBlobRaw(ctx, owner, repoName, "ce013625030ba8dba906f756967f9e9ca394464a")
	if err != nil || string(raw) != "hello\n" {
		t.Errorf("raw blob: %q, %v", raw, err)
	}
	_, _, err = f.client.Git.GetTree(ctx, owner, repoName, "nope", true)
	wantAPIError(t, err, 404)
}
