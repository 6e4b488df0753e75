package pullreq

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sync"
	"time"
)

// refFS is the repository at one commit, read through the contents API as
// the review engine asks for files. It never clones and never touches the
// server's disk. Each path is fetched at most once; paths the pull request
// says do not exist at this commit cost nothing.
//
// fs.FS has no context, so the one of the review job is kept here: a refFS
// lives exactly as long as one review.
type refFS struct {
	ctx     context.Context
	gh      GitHub
	cache   *Cache
	repo    Repo
	ref     string
	maxSize int64
	// present answers, when it knows, whether a path is a file at this
	// commit; a path it knows to be absent costs no request.
	present func(path string) (known, exists bool)

	mu      sync.Mutex
	fetched map[string]*fetched
}

type fetched struct {
	data []byte
	size int64
	err  error
}

func newRefFS(ctx context.Context, gh GitHub, cache *Cache, repo Repo, ref string, maxSize int64, present func(string) (bool, bool)) *refFS {
	if present == nil {
		present = func(string) (bool, bool) { return false, false }
	}
	return &refFS{ctx: ctx, gh: gh, cache: cache, repo: repo, ref: ref, maxSize: maxSize, present: present, fetched: map[string]*fetched{}}
}

func (r *refFS) get(name string) *fetched {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.fetched[name]; ok {
		return f
	}
	var f *fetched
	if known, exists := r.present(name); known && !exists {
		f = &fetched{err: fs.ErrNotExist}
	} else {
		f = r.cache.contents(r.ctx, r.gh, r.repo, name, r.ref, r.maxSize)
	}
	r.fetched[name] = f
	return f
}

// source returns the content of a file this review has read.
func (r *refFS) source(name string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.fetched[name]; ok {
		return f.data
	}
	return nil
}

// Open implements fs.FS.
func (r *refFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f := r.get(name)
	switch {
	case errors.Is(f.err, ErrIsDir):
		return &file{name: name, dir: true}, nil
	case f.err != nil:
		return nil, &fs.PathError{Op: "open", Path: name, Err: f.err}
	}
	return &file{name: name, size: f.size, r: bytes.NewReader(f.data)}, nil
}

// file is one fetched file. A file larger than the size cap has its real
// size and no content: the engine turns that into a finding.
type file struct {
	name string
	size int64
	dir  bool
	r    *bytes.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f, nil }
func (f *file) Close() error               { return nil }

func (f *file) Read(b []byte) (int, error) {
	if f.dir {
		return 0, fmt.Errorf("%s: %w", f.name, ErrIsDir)
	}
	if f.r == nil {
		return 0, io.EOF
	}
	return f.r.Read(b)
}

func (f *file) Name() string { return path.Base(f.name) }
func (f *file) Size() int64  { return f.size }
func (f *file) Mode() fs.FileMode {
	if f.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (f *file) ModTime() time.Time { return time.Time{} }
func (f *file) IsDir() bool        { return f.dir }
func (f *file) Sys() any           { return nil }

// failure returns the first error that was not about a missing file: the
// engine treats unreadable files as findings, but a GitHub outage must fail
// the review instead of producing a wrong one.
func (r *refFS) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, f := range r.fetched {
		if f.err != nil && !errors.Is(f.err, fs.ErrNotExist) && !errors.Is(f.err, ErrIsDir) {
			return fmt.Errorf("reading %s at %.12s: %w", name, r.ref, f.err)
		}
	}
	return nil
}
