package compose

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// ErrOutsideRoot is what a file system given to Load wraps when a path
// resolves outside its root, for example through a symbolic link. Load
// reports such files as outside the project instead of failing.
var ErrOutsideRoot = errors.New("path resolves outside the project root")

// errIsDir is a reference to a directory where a file is expected: a
// mistake in the files under review, not a failure to read them.
var errIsDir = errors.New("is a directory, not a file")

// sourceFile is one file read from the project.
type sourceFile struct {
	path    string
	content []byte
	docs    []*yaml.Node
	// lineStarts holds the byte offset of each line, computed on demand.
	lineStarts []int
	// failed is set when the file could not be read or parsed; the
	// problem has been recorded.
	failed bool
	parsed bool
}

// readFile reads name from fsys, refusing anything larger than limit.
func readFile(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, errIsDir
		}
		if st.Size() > limit {
			return nil, &tooLargeError{size: st.Size(), limit: limit}
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &tooLargeError{size: -1, limit: limit}
	}
	return data, nil
}

type tooLargeError struct {
	size, limit int64
}

func (e *tooLargeError) Error() string {
	if e.size < 0 {
		return fmt.Sprintf("the file is larger than the %d-byte limit; raise max_file_size if it is really a compose file", e.limit)
	}
	return fmt.Sprintf("the file is %d bytes, larger than the %d-byte limit; raise max_file_size if it is really a compose file", e.size, e.limit)
}

var yamlLine = regexp.MustCompile(`line (\d+)(?:, column (\d+))?`)

// parseError is a YAML error with the place it was found, when known.
type parseError struct {
	line, column int
	msg          string
}

func (e *parseError) Error() string { return e.msg }

// parseYAML parses every document of content into node trees. It never
// panics: the YAML library is fed hostile bytes, and a bug there must become
// a parse error, not a crashed server.
func parseYAML(content []byte, maxNodes int) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			docs, err = nil, &parseError{msg: fmt.Sprintf("the YAML parser failed on this file (%v)", r)}
		}
	}()
	if !utf8.Valid(content) && !hasUTF16BOM(content) {
		return nil, &parseError{line: firstInvalidLine(content), msg: "the file is not valid UTF-8 text"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(content))
	nodes := 0
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			pe := &parseError{msg: err.Error()}
			// The last position in a YAML error is where the problem
			// is; earlier ones give context ("while parsing a block
			// mapping at line 1").
			if ms := yamlLine.FindAllStringSubmatch(err.Error(), -1); ms != nil {
				m := ms[len(ms)-1]
				pe.line, _ = strconv.Atoi(m[1])
				if m[2] != "" {
					pe.column, _ = strconv.Atoi(m[2])
				}
				// The parser (unlike the scanner) of go.yaml.in/yaml/v4
				// counts lines from zero in its messages.
				if fmt.Sprintf("%T", err) == "libyaml.ParserError" {
					pe.line++
				}
			}
			return nil, pe
		}
		nodes += countNodes(&doc, maxNodes)
		if nodes > maxNodes {
			return nil, &parseError{msg: fmt.Sprintf("the file has more than %d YAML nodes; raise max_yaml_nodes if it is really a compose file", maxNodes)}
		}
		if alias := aliasBomb(&doc, 10*maxNodes); alias != nil {
			return nil, &parseError{line: alias.Line, column: alias.Column,
				msg: fmt.Sprintf("aliases expand the document to more than %d nodes (an alias bomb); mountguard does not expand it", 10*maxNodes)}
		}
		root := deref(&doc)
		if root == nil {
			continue // an empty document
		}
		if k, first := duplicateKey(root); k != nil {
			return nil, &parseError{line: k.Line, column: k.Column,
				msg: fmt.Sprintf("mapping key %q is defined twice (first at line %d); docker compose rejects duplicate keys", k.Value, first)}
		}
		docs = append(docs, root)
	}
	return docs, nil
}

func hasUTF16BOM(b []byte) bool {
	return len(b) >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))
}

func firstInvalidLine(b []byte) int {
	line := 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		b = b[size:]
	}
	return line
}

// offset converts a node's 1-based line and column (counted in characters)
// into a byte offset in the file.
func (f *sourceFile) offset(line, column int) (int, bool) {
	if f.lineStarts == nil {
		f.lineStarts = []int{0}
		for i, c := range f.content {
			if c == '\n' {
				f.lineStarts = append(f.lineStarts, i+1)
			}
		}
	}
	if line < 1 || line > len(f.lineStarts) {
		return 0, false
	}
	at := f.lineStarts[line-1]
	for col := 1; col < column; col++ {
		if at >= len(f.content) || f.content[at] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(f.content[at:])
		at += size
	}
	return at, true
}

// scalarSpan is the byte range of a scalar written on a single line, quotes
// included. Anything else (block scalars, folded plain scalars) reports false.
func (f *sourceFile) scalarSpan(n *yaml.Node) (start, end int, ok bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, 0, false
	}
	start, ok = f.offset(n.Line, n.Column)
	if !ok {
		return 0, 0, false
	}
	text := f.content[start:]
	if nl := bytes.IndexByte(text, '\n'); nl >= 0 {
		text = text[:nl]
	}
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if len(text) == 0 || text[0] != '"' {
			return 0, 0, false
		}
		for i := 1; i < len(text); i++ {
			switch text[i] {
			case '\\':
				i++
			case '"':
				return start, start + i + 1, true
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		if len(text) == 0 || text[0] != '\'' {
			return 0, 0, false
		}
		for i := 1; i < len(text); i++ {
			if text[i] == '\'' {
				if i+1 < len(text) && text[i+1] == '\'' {
					i++
					continue
				}
				return start, start + i + 1, true
			}
		}
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0:
		if bytes.HasPrefix(text, []byte(n.Value)) {
			return start, start + len(n.Value), true
		}
	}
	return 0, 0, false
}

// aliasBomb returns the alias at which the document, with every alias
// expanded, grows past limit nodes, or nil. Sizes are memoised per node, so
// the check is linear in the document as written.
func aliasBomb(root *yaml.Node, limit int) *yaml.Node {
	sizes := map[*yaml.Node]int{}
	var culprit *yaml.Node
	var size func(n *yaml.Node, depth int) int
	size = func(n *yaml.Node, depth int) int {
		if s, ok := sizes[n]; ok {
			return s
		}
		if depth > 20_000 {
			return limit + 1
		}
		sizes[n] = limit + 1 // a cycle counts as unbounded
		total := 1
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			total += size(n.Alias, depth+1)
			if total > limit && culprit == nil {
				culprit = n
			}
		}
		for _, c := range n.Content {
			if total > limit {
				break
			}
			total += size(c, depth+1)
		}
		if total > limit && culprit == nil {
			culprit = n
		}
		total = min(total, limit+1)
		sizes[n] = total
		return total
	}
	if size(root, 0) > limit {
		if culprit == nil {
			culprit = root
		}
		return culprit
	}
	return nil
}
