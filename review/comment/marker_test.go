package comment

import (
	"slices"
	"strings"
	"testing"
)

const marker1 = `<!-- mountguard: {"v":1,"fingerprints":["aa","bb"],"fixed_in":""} -->`

func TestParseMarker(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		ok      bool
		fps     []string
		fixedIn string
	}{
		{"alone", marker1, true, []string{"aa", "bb"}, ""},
		{"at the end", "text\n\n" + marker1 + "\n", true, []string{"aa", "bb"}, ""},
		{"CRLF", "text\r\n\r\n" + marker1 + "\r\n", true, []string{"aa", "bb"}, ""},
		{"trailing spaces", marker1 + "  \n", true, []string{"aa", "bb"}, ""},
		{"fixed", `<!-- mountguard: {"v":1,"fingerprints":["cc"],"fixed_in":"abc123"} -->`, true, []string{"cc"}, "abc123"},
		{"unknown fields are ignored", `<!-- mountguard: {"v":1,"fingerprints":["cc"],"fixed_in":"","rule":"x"} -->`, true, []string{"cc"}, ""},
		{"no fingerprints", `<!-- mountguard: {"v":1,"fingerprints":[],"fixed_in":""} -->`, true, []string{}, ""},
		{"the last marker wins", marker1 + "\n" + `<!-- mountguard: {"v":1,"fingerprints":["zz"],"fixed_in":""} -->`, true, []string{"zz"}, ""},
		{"marker after a closed fence", "```\ncode\n```\n" + marker1, true, []string{"aa", "bb"}, ""},
		{"a quoted marker after ours", marker1 + "\n> " + `<!-- mountguard: {"v":1,"fingerprints":["zz"],"fixed_in":""} -->`, true, []string{"aa", "bb"}, ""},

		{"empty", "", false, nil, ""},
		{"not ours", "LGTM", false, nil, ""},
		{"other bot", `<!-- reviewdog: {"v":1} -->`, false, nil, ""},
		{"quoted", "> " + marker1, false, nil, ""},
		{"quoted without a space", ">" + marker1, false, nil, ""},
		{"nested quote", "> > " + marker1, false, nil, ""},
		{"in a fence", "```\n" + marker1 + "\n```", false, nil, ""},
		{"in an unclosed fence", "```\n" + marker1, false, nil, ""},
		{"in a tilde fence", "~~~\n" + marker1 + "\n~~~", false, nil, ""},
		{"in a longer fence closed by a shorter line", "````\n```\n" + marker1 + "\n````", false, nil, ""},
		{"in a suggestion", "```suggestion\n" + marker1 + "\n```", false, nil, ""},
		{"indented code", "    " + marker1, false, nil, ""},
		{"indented", " " + marker1, false, nil, ""},
		{"inside a line", "see " + marker1, false, nil, ""},
		{"two on a line", marker1 + " " + marker1, false, nil, ""},
		{"bad JSON", `<!-- mountguard: {"v":1,"fingerprints":["aa"] -->`, false, nil, ""},
		{"wrong version", `<!-- mountguard: {"v":2,"fingerprints":["aa"],"fixed_in":""} -->`, false, nil, ""},
		{"no version", `<!-- mountguard: {"fingerprints":["aa"],"fixed_in":""} -->`, false, nil, ""},
		{"wrong types", `<!-- mountguard: {"v":1,"fingerprints":"aa","fixed_in":""} -->`, false, nil, ""},
		{"prefix only", `<!-- mountguard: -->`, false, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := ParseMarker(tt.body)
			if ok != tt.ok || !slices.Equal(m.Fingerprints, tt.fps) || m.FixedIn != tt.fixedIn {
				t.Errorf("ParseMarker(%q) = %+v, %v; want %v %q, %v", tt.body, m, ok, tt.fps, tt.fixedIn, tt.ok)
			}
		})
	}
}

func TestMarkFixed(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name      string
		body      string
		changed   bool
		contains  []string
		fixedWant string
	}{
		{"not ours", "LGTM", false, nil, ""},
		{"quoted marker only", "> " + marker1, false, nil, ""},
		{"ours", "**Warning** · x\n\n" + marker1 + "\n", true, []string{"**Fixed** in 0123456: ", "<summary>Original comment</summary>\n\n**Warning** · x\n\n</details>"}, sha},
		{"already fixed", `<!-- mountguard: {"v":1,"fingerprints":["aa"],"fixed_in":"fedcba9"} -->`, false, nil, "fedcba9"},
		{"marker only", marker1, true, []string{"**Fixed** in 0123456: "}, sha},
		{"suggestion becomes code", "x\n\n````suggestion\n```\n````\n\n" + marker1, true, []string{"````yaml\n```\n````\n"}, sha},
		{"a suggestion shown as an example stays", "x\n\n````md\n```suggestion\n````\n\n" + marker1, true, []string{"````md\n```suggestion\n````"}, sha},
		{"open fence after the marker is closed", marker1 + "\n```\ncode", true, []string{"```\ncode\n```\n\n</details>"}, sha},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MarkFixed(tt.body, sha)
			if (got != tt.body) != tt.changed {
				t.Fatalf("MarkFixed changed the body: %v, want %v\n%s", got != tt.body, tt.changed, got)
			}
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("MarkFixed output lacks %q:\n%s", s, got)
				}
			}
			m, ok := ParseMarker(got)
			if tt.fixedWant != "" && (!ok || m.FixedIn != tt.fixedWant) {
				t.Errorf("ParseMarker after MarkFixed = %+v, %v; want fixed in %s\n%s", m, ok, tt.fixedWant, got)
			}
			if again := MarkFixed(got, sha); again != got {
				t.Errorf("not idempotent:\n%s\nthen\n%s", got, again)
			}
		})
	}
	if got := MarkFixed(marker1, ""); got != marker1 {
		t.Errorf("MarkFixed without a commit changed the body: %s", got)
	}
	for _, bad := range []string{"not a sha\n<!--", "abc", "main", strings.Repeat("a", 65), "0123456789abcdeg"} {
		if got := MarkFixed(marker1, bad); got != marker1 {
			t.Errorf("MarkFixed with commit %q changed the body:\n%s", bad, got)
		}
	}
	if got := MarkFixed(marker1, "ABCDEF0123"); !strings.Contains(got, "**Fixed** in ABCDEF0: ") {
		t.Errorf("an upper-case commit is not shown:\n%s", got)
	}
}
