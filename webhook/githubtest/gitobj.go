package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// The fake stores commits as full trees and gives blobs, trees and derived
// commits their real git object IDs, so that the `sha` of a file in the
// contents, trees and files APIs is what git (and GitHub) would report for
// the same bytes, and a test can compare it with `git hash-object`.

// gitHash is the SHA-1 object ID of a git object of the given type.
func gitHash(kind string, body []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", kind, len(body))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func blobSHA(content string) string { return gitHash("blob", []byte(content)) }

// treeEntry is one entry of a git tree, as the trees API lists it.
type treeEntry struct {
	name string
	mode string // "100644" or "040000"
	kind string // "blob" or "tree"
	sha  string
	size int // blobs only
}

// treeNode is a directory of a commit.
type treeNode struct {
	sha     string
	entries []treeEntry          // in git's order
	dirs    map[string]*treeNode // by entry name
}

// snapshot is one commit's tree, indexed for the contents and trees APIs.
type snapshot struct {
	files map[string]string // path → content
	blobs map[string]string // path → blob SHA
	root  *treeNode
	// trees maps every directory path ("" is the root) to its node.
	trees map[string]*treeNode
}

// validPath rejects paths git could not store.
func validPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return fmt.Errorf("githubtest: bad file path %q", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." || seg == ".git" {
			return fmt.Errorf("githubtest: bad file path %q", p)
		}
	}
	return nil
}

// newSnapshot builds the trees of a set of files. A path that is both a
// file and a directory is an error, as it is for git.
func newSnapshot(files map[string]string) (*snapshot, error) {
	s := &snapshot{files: map[string]string{}, blobs: map[string]string{}, trees: map[string]*treeNode{}}
	type dir struct {
		files map[string]string
		dirs  map[string]*dir
	}
	root := &dir{files: map[string]string{}, dirs: map[string]*dir{}}
	for p, content := range files {
		if err := validPath(p); err != nil {
			return nil, err
		}
		s.files[p] = content
		s.blobs[p] = blobSHA(content)
		segs := strings.Split(p, "/")
		d := root
		for _, seg := range segs[:len(segs)-1] {
			if _, clash := d.files[seg]; clash {
				return nil, fmt.Errorf("githubtest: %q is both a file and a directory", p)
			}
			next := d.dirs[seg]
			if next == nil {
				next = &dir{files: map[string]string{}, dirs: map[string]*dir{}}
				d.dirs[seg] = next
			}
			d = next
		}
		name := segs[len(segs)-1]
		if _, clash := d.dirs[name]; clash {
			return nil, fmt.Errorf("githubtest: %q is both a file and a directory", p)
		}
		d.files[name] = content
	}
	var build func(d *dir, path string) *treeNode
	build = func(d *dir, path string) *treeNode {
		n := &treeNode{dirs: map[string]*treeNode{}}
		for name, content := range d.files {
			n.entries = append(n.entries, treeEntry{name: name, mode: "100644", kind: "blob", sha: blobSHA(content), size: len(content)})
		}
		for name, sub := range d.dirs {
			child := build(sub, joinPath(path, name))
			n.dirs[name] = child
			n.entries = append(n.entries, treeEntry{name: name, mode: "040000", kind: "tree", sha: child.sha})
		}
		// Git sorts a tree's entries by name, comparing a directory's
		// name as if it ended in "/".
		sort.Slice(n.entries, func(i, j int) bool { return sortKey(n.entries[i]) < sortKey(n.entries[j]) })
		var body []byte
		for _, e := range n.entries {
			mode := e.mode
			if mode == "040000" {
				mode = "40000" // git writes tree modes without the leading 0
			}
			raw, _ := hex.DecodeString(e.sha)
			body = append(body, mode+" "+e.name+"\x00"...)
			body = append(body, raw...)
		}
		n.sha = gitHash("tree", body)
		s.trees[path] = n
		return n
	}
	s.root = build(root, "")
	return s, nil
}

func sortKey(e treeEntry) string {
	if e.kind == "tree" {
		return e.name + "/"
	}
	return e.name
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// commitSHA derives a commit's ID the way git would for this tree,
// parents, message, author and committer, with a fixed date (and a fixed
// identity for a commit whose author is the pull request's, unknown until
// it is listed), so a test that gives no SHA still gets stable ones.
func commitSHA(treeSHA string, parents []string, message string, author, committer *identity) string {
	var b strings.Builder
	b.WriteString("tree " + treeSHA + "\n")
	for _, p := range parents {
		b.WriteString("parent " + p + "\n")
	}
	b.WriteString("author " + author.gitLine() + "\ncommitter " + committer.gitLine() + "\n\n" + message + "\n")
	return gitHash("commit", []byte(b.String()))
}

// isSHA reports whether s looks like a full commit ID.
func isSHA(s string) bool {
	_, err := hex.DecodeString(s)
	return len(s) == 40 && err == nil
}
