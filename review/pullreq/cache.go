package pullreq

import (
	"container/list"
	"context"
	"errors"
	"io/fs"
	"sync"
)

// Cache keeps what never changes: file contents and trees at a commit SHA.
// The reviews of one process share it, so that the second push to a pull
// request does not read the unchanged base commit again. It is bounded by
// the bytes it holds, least recently used first out. A nil *Cache caches
// nothing.
type Cache struct {
	mu       sync.Mutex
	maxBytes int64
	used     int64
	order    *list.List
	items    map[cacheKey]*list.Element
}

type cacheKey struct {
	repo Repo
	sha  string
	path string
	tree bool
}

type cacheEntry struct {
	key   cacheKey
	file  *fetched
	paths []string
	trunc bool
	bytes int64
}

// NewCache returns a cache that holds about maxBytes of content.
func NewCache(maxBytes int64) *Cache {
	return &Cache{maxBytes: maxBytes, order: list.New(), items: map[cacheKey]*list.Element{}}
}

// immutable reports whether ref names a commit (a full SHA), whose content
// cannot change, rather than a branch.
func immutable(ref string) bool {
	if len(ref) != 40 {
		return false
	}
	for _, c := range ref {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func (c *Cache) lookup(k cacheKey) (*cacheEntry, bool) {
	if c == nil || !immutable(k.sha) {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry), true
}

func (c *Cache) store(e *cacheEntry) {
	if c == nil || !immutable(e.key.sha) || e.bytes > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.key]; ok {
		c.used -= el.Value.(*cacheEntry).bytes
		c.order.Remove(el)
	}
	c.items[e.key] = c.order.PushFront(e)
	c.used += e.bytes
	for c.used > c.maxBytes && c.order.Len() > 0 {
		last := c.order.Back()
		old := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.items, old.key)
		c.used -= old.bytes
	}
}

// contents reads a file through the cache. Only answers that cannot change
// are kept: the file, or its absence, at a commit SHA; never an error.
func (c *Cache) contents(ctx context.Context, gh GitHub, repo Repo, path, ref string, maxSize int64) *fetched {
	k := cacheKey{repo: repo, sha: ref, path: path}
	if e, ok := c.lookup(k); ok && (e.file.data != nil || e.file.size <= maxSize) {
		return e.file
	}
	f := &fetched{}
	f.data, f.size, f.err = gh.Contents(ctx, repo, path, ref, maxSize)
	if f.err == nil && f.data != nil {
		f.size = int64(len(f.data))
	}
	if f.err == nil || errors.Is(f.err, fs.ErrNotExist) || errors.Is(f.err, ErrIsDir) {
		c.store(&cacheEntry{key: k, file: f, bytes: int64(len(f.data)) + int64(len(path)) + 64})
	}
	return f
}

// Tree lists the files at a commit through the cache; truncated is true
// when GitHub cut the list short.
func (c *Cache) Tree(ctx context.Context, gh GitHub, repo Repo, sha string) (paths []string, truncated bool, err error) {
	return c.tree(ctx, gh, repo, sha)
}

// tree lists the files at a commit through the cache.
func (c *Cache) tree(ctx context.Context, gh GitHub, repo Repo, sha string) ([]string, bool, error) {
	k := cacheKey{repo: repo, sha: sha, tree: true}
	if e, ok := c.lookup(k); ok {
		return e.paths, e.trunc, nil
	}
	paths, trunc, err := gh.Tree(ctx, repo, sha)
	if err != nil {
		return nil, false, err
	}
	size := int64(64)
	for _, p := range paths {
		size += int64(len(p)) + 16
	}
	c.store(&cacheEntry{key: k, paths: paths, trunc: trunc, bytes: size})
	return paths, trunc, nil
}

// ReadFile reads one file at a ref through the cache; the App reads its
// configuration this way.
func (c *Cache) ReadFile(ctx context.Context, gh GitHub, repo Repo, path, ref string, maxSize int64) ([]byte, int64, error) {
	f := c.contents(ctx, gh, repo, path, ref, maxSize)
	return f.data, f.size, f.err
}
