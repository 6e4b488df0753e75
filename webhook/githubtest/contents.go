package githubtest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

// GitHub's size limits for file contents.
const (
	// maxInlineContent: the contents API inlines a file's content (base64)
	// up to 1 MB; above, it sends encoding "none" and an empty content,
	// and only the raw media type gets the bytes.
	maxInlineContent = 1 << 20
	// maxRawContent: no API returns a blob over 100 MB.
	maxRawContent = 100 << 20
	// maxTreeEntries: a recursive tree is truncated above this many
	// entries.
	maxTreeEntries = 100000
)

// mediaParam returns the custom media type parameter of the Accept header:
// "raw" for application/vnd.github.raw, .v3.raw, .raw+json and
// .v3.raw+json (all of which GitHub accepts), "object" likewise, else "".
func mediaParam(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		rest, ok := strings.CutPrefix(mt, "application/vnd.github.")
		if !ok {
			continue
		}
		rest = strings.TrimSuffix(strings.TrimPrefix(rest, "v3."), "+json")
		if rest == "raw" || rest == "object" {
			return rest
		}
	}
	return ""
}

// base64Wrapped encodes as GitHub does in content fields: lines of 60
// characters, each ending in "\n". Go's decoder skips the newlines.
func base64Wrapped(b []byte) string {
	enc := base64.StdEncoding.EncodeToString(b)
	var sb strings.Builder
	for len(enc) > 60 {
		sb.WriteString(enc[:60])
		sb.WriteByte('\n')
		enc = enc[60:]
	}
	if enc != "" {
		sb.WriteString(enc)
		sb.WriteByte('\n')
	}
	return sb.String()
}

func rawReply(content string) *reply {
	rp := &reply{status: http.StatusOK, body: []byte(content)}
	rp.setHeader("Content-Type", "application/vnd.github.raw; charset=utf-8")
	rp.setHeader("X-GitHub-Media-Type", "github.v3; param=raw")
	return rp
}

func tooLarge(doc string) *reply {
	return errReply(http.StatusForbidden, msgTooLarge, doc, fieldError{Resource: "Blob", Field: "data", Code: "too_large"})
}

// getContents is GET /repos/{owner}/{repo}/contents/{path}?ref=.
func (s *Server) getContents(rq *request) *reply {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return rp
	}
	ref := rq.r.URL.Query().Get("ref")
	c := r.resolve(ref)
	if c == nil {
		if ref == "" {
			return errReply(http.StatusNotFound, "This repository is empty.", docContents)
		}
		return errReply(http.StatusNotFound, fmt.Sprintf(msgNoCommitRef, ref), docContents)
	}
	if ref == "" {
		ref = r.defaultBranch
	}
	path := strings.Trim(rq.param("path"), "/")
	if path == "." {
		path = ""
	}
	media := mediaParam(rq.r)
	if content, ok := c.snap.files[path]; ok {
		if len(content) > maxRawContent {
			return tooLarge(docContents)
		}
		if media == "raw" {
			return rawReply(content)
		}
		return jsonReply(http.StatusOK, s.fileContent(r, c, ref, path, true))
	}
	dir := c.snap.trees[path]
	if dir == nil {
		return notFound(docContents)
	}
	entries := make([]*github.RepositoryContent, 0, len(dir.entries))
	for _, e := range dir.entries {
		p := joinPath(path, e.name)
		if e.kind == "blob" {
			entries = append(entries, s.fileContent(r, c, ref, p, false))
		} else {
			entries = append(entries, s.dirContent(r, ref, p, e.sha))
		}
	}
	if media == "object" {
		obj := struct {
			*github.RepositoryContent
			Entries []*github.RepositoryContent `json:"entries"`
		}{s.dirContent(r, ref, path, dir.sha), entries}
		return jsonReply(http.StatusOK, obj)
	}
	return jsonReply(http.StatusOK, entries)
}

// fileContent describes a file; withContent inlines it as the single-file
// response does (directory listings do not).
func (s *Server) fileContent(r *repo, c *commitObj, ref, path string, withContent bool) *github.RepositoryContent {
	content := c.snap.files[path]
	sha := c.snap.blobs[path]
	rc := &github.RepositoryContent{
		Type:        github.String("file"),
		Name:        github.String(path[strings.LastIndex(path, "/")+1:]),
		Path:        github.String(path),
		SHA:         github.String(sha),
		Size:        github.Int(len(content)),
		URL:         github.String(s.URL + "/repos/" + r.fullName() + "/contents/" + escapePath(path) + "?ref=" + ref),
		GitURL:      github.String(s.URL + "/repos/" + r.fullName() + "/git/blobs/" + sha),
		HTMLURL:     github.String(webURL + "/" + r.fullName() + "/blob/" + ref + "/" + escapePath(path)),
		DownloadURL: github.String(s.URL + "/_raw/" + r.fullName() + "/" + c.sha + "/" + escapePath(path)),
	}
	if withContent {
		if len(content) <= maxInlineContent {
			rc.Encoding = github.String("base64")
			rc.Content = github.String(base64Wrapped([]byte(content)))
		} else {
			rc.Encoding = github.String("none")
			rc.Content = github.String("")
		}
	}
	return rc
}

func (s *Server) dirContent(r *repo, ref, path, sha string) *github.RepositoryContent {
	name := path[strings.LastIndex(path, "/")+1:]
	return &github.RepositoryContent{
		Type:    github.String("dir"),
		Name:    github.String(name),
		Path:    github.String(path),
		SHA:     github.String(sha),
		Size:    github.Int(0),
		URL:     github.String(s.URL + "/repos/" + r.fullName() + "/contents/" + escapePath(path) + "?ref=" + ref),
		GitURL:  github.String(s.URL + "/repos/" + r.fullName() + "/git/trees/" + sha),
		HTMLURL: github.String(webURL + "/" + r.fullName() + "/tree/" + ref + "/" + escapePath(path)),
	}
}

// getTree is GET /repos/{owner}/{repo}/git/trees/{tree_sha}, where
// tree_sha may also be a commit SHA or a branch, with ?recursive=1 for the
// whole tree.
func (s *Server) getTree(rq *request) *reply {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return rp
	}
	ref := rq.param("tree_sha")
	t := r.trees[strings.ToLower(ref)]
	if t == nil {
		c := r.resolve(ref)
		if c == nil {
			return notFound("https://docs.github.com/rest/git/trees#get-a-tree")
		}
		t = c.snap.root
	}
	recursive := rq.r.URL.Query().Get("recursive")
	tree := &github.Tree{SHA: github.String(t.sha), Truncated: github.Bool(false)}
	var walk func(n *treeNode, prefix string)
	walk = func(n *treeNode, prefix string) {
		for _, e := range n.entries {
			if len(tree.Entries) == maxTreeEntries {
				tree.Truncated = github.Bool(true)
				return
			}
			te := &github.TreeEntry{
				SHA:  github.String(e.sha),
				Path: github.String(joinPath(prefix, e.name)),
				Mode: github.String(e.mode),
				Type: github.String(e.kind),
			}
			if e.kind == "blob" {
				te.Size = github.Int(e.size)
				te.URL = github.String(s.URL + "/repos/" + r.fullName() + "/git/blobs/" + e.sha)
			} else {
				te.URL = github.String(s.URL + "/repos/" + r.fullName() + "/git/trees/" + e.sha)
			}
			tree.Entries = append(tree.Entries, te)
			if e.kind == "tree" && recursive != "" && recursive != "0" && recursive != "false" {
				walk(n.dirs[e.name], joinPath(prefix, e.name))
			}
		}
	}
	walk(t, "")
	out := struct {
		*github.Tree
		URL string `json:"url"`
	}{tree, s.URL + "/repos/" + r.fullName() + "/git/trees/" + t.sha}
	return jsonReply(http.StatusOK, out)
}

// getBlob is GET /repos/{owner}/{repo}/git/blobs/{file_sha}: base64, or
// the bytes with the raw media type, up to 100 MB.
func (s *Server) getBlob(rq *request) *reply {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return rp
	}
	sha := strings.ToLower(rq.param("file_sha"))
	content, ok := r.blobs[sha]
	if !ok {
		return notFound("https://docs.github.com/rest/git/blobs#get-a-blob")
	}
	if len(content) > maxRawContent {
		return tooLarge("https://docs.github.com/rest/git/blobs#get-a-blob")
	}
	if mediaParam(rq.r) == "raw" {
		return rawReply(content)
	}
	return jsonReply(http.StatusOK, &github.Blob{
		SHA:      github.String(sha),
		Size:     github.Int(len(content)),
		URL:      github.String(s.URL + "/repos/" + r.fullName() + "/git/blobs/" + sha),
		Content:  github.String(base64Wrapped([]byte(content))),
		Encoding: github.String("base64"),
	})
}

// getRaw serves a file's download_url, as raw.githubusercontent.com does.
func (s *Server) getRaw(rq *request) *reply {
	r, rp := s.repoParam(rq)
	notFoundText := &reply{status: http.StatusNotFound, body: []byte("404: Not Found")}
	if rp != nil {
		return notFoundText
	}
	c := r.resolve(rq.param("sha"))
	if c == nil {
		return notFoundText
	}
	content, ok := c.snap.files[rq.param("path")]
	if !ok {
		return notFoundText
	}
	out := &reply{status: http.StatusOK, body: []byte(content)}
	out.setHeader("Content-Type", "text/plain; charset=utf-8")
	return out
}
