package compose

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v4"
)

// errBudget is returned when walking a document would visit more nodes than
// the configured budget allows. Aliases are followed by pointer, so a
// "billion laughs" document is small on disk but expands without bound when
// walked naively; every walk in this package draws on one shared budget.
var errBudget = errors.New("the document expands to too many YAML nodes (alias bomb?)")

// budget counts node visits across every walk of one load.
type budget struct {
	left int
}

func (b *budget) spend(n int) error {
	b.left -= n
	if b.left < 0 {
		return errBudget
	}
	return nil
}

// maxMergeDepth bounds chains of YAML merge keys (<<) that refer to maps that
// themselves merge other maps.
const maxMergeDepth = 64

// deref follows an alias to the node it names and unwraps document nodes.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch n.Kind {
		case yaml.AliasNode:
			n = n.Alias
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		default:
			return n
		}
	}
	return nil
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Tag == "" || k.Style == 0)
}

// pair is one key and its value in a mapping, after aliases and merge keys
// are resolved.
type pair struct {
	key   *yaml.Node
	value *yaml.Node
}

// pairs lists the entries of mapping m the way a YAML decoder sees them:
// explicit keys first (the last one wins on duplicates), then keys brought in
// by merge keys that the mapping does not set itself, earlier merge sources
// winning over later ones.
func (b *budget) pairs(m *yaml.Node) ([]pair, error) {
	return b.pairsDepth(deref(m), 0)
}

func (b *budget) pairsDepth(m *yaml.Node, depth int) ([]pair, error) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	if depth > maxMergeDepth {
		return nil, fmt.Errorf("line %d: merge keys (<<) nest more than %d levels deep", m.Line, maxMergeDepth)
	}
	if err := b.spend(len(m.Content)/2 + 1); err != nil {
		return nil, err
	}
	out := make([]pair, 0, len(m.Content)/2)
	index := make(map[string]int, len(m.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if isMergeKey(k) {
			merges = append(merges, v)
			continue
		}
		kd := deref(k)
		if kd == nil || kd.Kind != yaml.ScalarNode {
			continue
		}
		if at, ok := index[kd.Value]; ok {
			out[at] = pair{key: k, value: v}
			continue
		}
		index[kd.Value] = len(out)
		out = append(out, pair{key: k, value: v})
	}
	for _, src := range merges {
		src = deref(src)
		var sources []*yaml.Node
		switch {
		case src == nil:
		case src.Kind == yaml.MappingNode:
			sources = []*yaml.Node{src}
		case src.Kind == yaml.SequenceNode:
			sources = src.Content
		}
		for _, s := range sources {
			merged, err := b.pairsDepth(deref(s), depth+1)
			if err != nil {
				return nil, err
			}
			for _, p := range merged {
				kv := deref(p.key).Value
				if _, ok := index[kv]; ok {
					continue
				}
				index[kv] = len(out)
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// get returns the key and value nodes for key in mapping m, or nils.
func (b *budget) get(m *yaml.Node, key string) (k, v *yaml.Node, err error) {
	ps, err := b.pairs(m)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range ps {
		if deref(p.key).Value == key {
			return p.key, deref(p.value), nil
		}
	}
	return nil, nil, nil
}

// items returns the elements of a sequence node, aliases resolved.
func (b *budget) items(s *yaml.Node) ([]*yaml.Node, error) {
	s = deref(s)
	if s == nil || s.Kind != yaml.SequenceNode {
		return nil, nil
	}
	if err := b.spend(len(s.Content) + 1); err != nil {
		return nil, err
	}
	out := make([]*yaml.Node, 0, len(s.Content))
	for _, n := range s.Content {
		if d := deref(n); d != nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// scalar returns the value of a scalar node and whether n is one.
func scalar(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	return n.Value, true
}

// endLine is the last line a node's text occupies.
func endLine(n *yaml.Node) int {
	end := n.Line
	for depth := 0; n != nil && depth < 10_000; depth++ {
		if n.Line > end {
			end = n.Line
		}
		switch n.Kind {
		case yaml.ScalarNode:
			if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				body := strings.TrimRight(n.Value, "\n")
				return n.Line + 1 + strings.Count(body, "\n")
			}
			return max(end, n.Line)
		case yaml.MappingNode, yaml.SequenceNode, yaml.DocumentNode:
			if len(n.Content) == 0 {
				return end
			}
			n = n.Content[len(n.Content)-1]
		default:
			return end
		}
	}
	return end
}

// countNodes counts the nodes of a parsed document without following
// aliases, stopping once the count passes limit.
func countNodes(n *yaml.Node, limit int) int {
	count := 0
	stack := []*yaml.Node{n}
	for len(stack) > 0 && count <= limit {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		count++
		stack = append(stack, top.Content...)
	}
	return count
}

// duplicateKey reports the first mapping key that appears twice in the same
// mapping, which docker compose rejects.
func duplicateKey(root *yaml.Node) (dup *yaml.Node, first int) {
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Kind == yaml.MappingNode && len(n.Content) > 2 {
			seen := make(map[string]int, len(n.Content)/2)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || isMergeKey(k) {
					continue
				}
				if line, ok := seen[k.Value]; ok {
					return k, line
				}
				seen[k.Value] = k.Line
			}
		}
		stack = append(stack, n.Content...)
	}
	return nil, 0
}
