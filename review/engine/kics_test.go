package engine_test

// Comparison with the docker-compose test fixtures of Checkmarx KICS.
//
// testdata/kics holds, unchanged, the fixtures of the KICS queries that
// correspond to a mountguard rule (see testdata/kics/README.md for their
// provenance and LICENSE for their Apache-2.0 licence). Each positive file
// comes with the lines KICS reports; each negative file must produce
// nothing. The test reviews every fixture on its own and compares.
//
// KICS and mountguard do not agree everywhere, and should not: some KICS
// queries check things mountguard deliberately does not (a missing cap_drop
// or security_opt), some KICS expectations are wrong (an anonymous volume
// flagged as a host directory), and a few anchor a finding on a different
// line. Every such difference is written down, with its reason, in
// kicsDisagreements. The test fails on any difference that is not listed,
// and on any listed difference that no longer happens, so the table stays a
// true account of where the two tools differ.
//
// no_new_privileges_not_set is the one query of the corpus that is not
// copied: no mountguard rule looks at no-new-privileges.

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/mountguard/mountguard/review/engine"
	"github.com/mountguard/mountguard/review/rules"
)

// kicsRule is a mountguard rule that answers a KICS query. target, when
// set, narrows the rule to findings about one key: host-namespace covers
// five keys and each KICS query asks about one of them.
type kicsRule struct {
	rule   string
	target string
}

// kicsQuery maps a KICS query folder (under testdata/kics) to our rules.
type kicsQuery struct {
	dir   string
	rules []kicsRule
	// expected replaces positive_expected_result.json for a folder that
	// has none (file name -> lines).
	expected map[string][]int
}

var kicsQueries = []kicsQuery{
	{dir: "docker_socket_mounted_in_container", rules: []kicsRule{{rule: rules.DockerSocket}}},
	// KICS also looks at top-level volumes' driver_opts (device,
	// mountpoint); we report those host paths as disguised-bind.
	{dir: "volume_has_sensitive_host_directory", rules: []kicsRule{{rule: rules.SensitiveHostPath}, {rule: rules.DisguisedBind}}},
	// The unmerged fix for KICS issue #8047 (PR #8049) has no
	// positive_expected_result.json of its own; README.md gives its
	// expected line: 11 in positive1.yaml.
	{dir: "volume_has_sensitive_host_directory/pr8049_unmerged", rules: []kicsRule{{rule: rules.SensitiveHostPath}, {rule: rules.DisguisedBind}},
		expected: map[string][]int{"positive1.yaml": {11}}},
	{dir: "privileged_containers_enabled", rules: []kicsRule{{rule: rules.Privileged}}},
	{dir: "container_capabilities_unrestricted", rules: []kicsRule{{rule: rules.DangerousCapability}}},
	{dir: "default_seccomp_profile_disabled", rules: []kicsRule{{rule: rules.ConfinementDisabled}}},
	{dir: "security_opt_not_set", rules: []kicsRule{{rule: rules.ConfinementDisabled}}},
	{dir: "host_namespace_is_shared", rules: []kicsRule{{rule: rules.HostNamespace, target: "pid"}}},
	{dir: "shared_host_ipc_namespace", rules: []kicsRule{{rule: rules.HostNamespace, target: "ipc"}}},
	{dir: "shared_host_network_namespace", rules: []kicsRule{{rule: rules.HostNamespace, target: "network_mode"}}},
	{dir: "shared_host_user_namespace", rules: []kicsRule{{rule: rules.HostNamespace, target: "userns_mode"}}},
	{dir: "cgroup_not_default", rules: []kicsRule{{rule: rules.HostNamespace, target: "cgroup"}}},
	// Despite its name, this query is about bind propagation.
	{dir: "volume_mounted_in_multiple_containers", rules: []kicsRule{{rule: rules.MountPropagation}}},
	{dir: "shared_volumes_between_containers", rules: []kicsRule{{rule: rules.SharedWritableVolume}}},
}

// kicsDisagreement is one known difference between KICS and mountguard on
// one fixture file. line is a line KICS expects that no finding of ours
// covers (0 if none); at is the line of a finding of ours that covers no
// line KICS expects (0 if none). An entry with both set is one finding
// that the two tools anchor on different lines.
type kicsDisagreement struct {
	query  string
	file   string
	line   int
	at     int
	reason string
}

var kicsDisagreements = []kicsDisagreement{
	// volume_has_sensitive_host_directory
	{query: "volume_has_sensitive_host_directory", file: "positive1.yaml", line: 11,
		reason: "- /var/lib/backup/data is an anonymous volume (a container path only, no host side), so no host directory is mounted; KICS flags it anyway, which is KICS issue #8047 (fixed by the unmerged PR #8049, see pr8049_unmerged)"},
	{query: "volume_has_sensitive_host_directory", file: "positive3.yaml", line: 14,
		reason: "the file is not a valid compose file (services.image is a string, not a service), so compose-go rejects it, as docker compose does, and we report parse-error at line 4 instead of reviewing the local-persist mountpoint /var/data"},
	{query: "volume_has_sensitive_host_directory/pr8049_unmerged", file: "positive1.yaml", line: 11,
		reason: "KICS treats every path under /var as sensitive; /var/lib/backup is not in our list (only /var/run, /var/lib/docker and /var/lib/kubelet are), so we report this bind as writable-bind-mount, not sensitive-host-path"},

	// container_capabilities_unrestricted
	{query: "container_capabilities_unrestricted", file: "positive1.yaml", line: 13, at: 14,
		reason: "same finding, different anchor: KICS reports the cap_add: key on line 13, we report the list item \"- all\" on line 14 that adds the capability"},
	{query: "container_capabilities_unrestricted", file: "positive1.yaml", line: 4,
		reason: "KICS also flags the service (line 4) for having no cap_drop; dropping capabilities from Docker's default set is hardening that no mountguard rule requires"},
	{query: "container_capabilities_unrestricted", file: "positive2.yaml", line: 13, at: 14,
		reason: "same finding, different anchor: KICS reports the cap_add: key on line 13, we report the list item \"- all\" on line 14 that adds the capability"},
	{query: "container_capabilities_unrestricted", file: "positive3.yaml", line: 13, at: 14,
		reason: "same finding, different anchor: KICS reports the cap_add: key on line 13, we report the list item \"- all\" on line 14 that adds the capability"},
	{query: "container_capabilities_unrestricted", file: "positive4.yaml", line: 4,
		reason: "the service neither adds nor drops a capability; KICS flags the missing cap_drop, which no mountguard rule requires: Docker's default capability set is not an escape path by itself"},

	// default_seccomp_profile_disabled
	{query: "default_seccomp_profile_disabled", file: "positive1.yaml", line: 13,
		reason: "label:seccomp:unconfined is an SELinux label option (key label, value seccomp:unconfined), not a seccomp setting: Docker passes it to the SELinux labeller, which rejects the unknown label option \"seccomp\" where SELinux is enabled and ignores label options where it is not, so the default seccomp profile stays on"},

	// security_opt_not_set
	{query: "security_opt_not_set", file: "positive1.yaml", line: 4,
		reason: "KICS flags a service without security_opt; without one Docker applies its default seccomp and AppArmor/SELinux confinement, so confinement-disabled reports only options that turn confinement off"},
	{query: "security_opt_not_set", file: "negative1.yaml", at: 14,
		reason: "security_opt apparmor:unconfined turns AppArmor confinement off; KICS only checks that security_opt is present (the corpus README notes this negative is insecure), we check what it says"},

	// cgroup_not_default
	{query: "cgroup_not_default", file: "positive1.yaml", line: 9,
		reason: "cgroup_parent: nat-docker only puts the container's cgroup under a custom parent; it does not share the host's cgroup namespace (cgroup: host), which is what host-namespace reports, and no mountguard rule looks at cgroup_parent"},

	// volume_mounted_in_multiple_containers
	{query: "volume_mounted_in_multiple_containers", file: "positive3.yaml", line: 15,
		reason: "rslave propagation is one-way, host to container: mounts made in the container never reach the host, which is the escape mount-propagation reports, so it flags only shared and rshared"},
	{query: "volume_mounted_in_multiple_containers", file: "positive4.yaml", line: 15,
		reason: "slave propagation is one-way, host to container: mounts made in the container never reach the host, which is the escape mount-propagation reports, so it flags only shared and rshared"},
}

// kicsInvalid lists the fixtures that are not valid compose files, with
// why. We report parse-error for them and nothing else, so a negative among
// them passes without showing anything; the test checks that exactly these
// fixtures fail to load.
var kicsInvalid = map[string]string{
	"volume_has_sensitive_host_directory/negative1.yaml": "proxy depends_on storage-node-1 to storage-node-16, which the file does not define",
	// Were it valid, disguised-bind would report its two local-persist
	// mountpoints, which KICS accepts in a negative.
	"volume_has_sensitive_host_directory/negative2.yaml": "services.image is a string, not a service",
	"volume_has_sensitive_host_directory/positive3.yaml": "services.image is a string, not a service",
}

type kicsExpectation struct {
	QueryName string `json:"queryName"`
	Severity  string `json:"severity"`
	Line      int    `json:"line"`
	Filename  string `json:"filename"`
}

func TestKICS(t *testing.T) {
	fsys, closeFS, err := engine.DirFS("testdata/kics")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeFS() })

	used := make([]bool, len(kicsDisagreements))
	known := map[string]bool{}
	var summary []string
	for _, q := range kicsQueries {
		known[q.dir] = true
		t.Run(q.dir, func(t *testing.T) {
			expected := q.expected
			if expected == nil {
				expected = readKICSExpectations(t, fsys, q.dir)
			}
			files := kicsFixtures(t, fsys, q.dir)
			for name := range expected {
				if !slices.Contains(files, name) {
					t.Errorf("expected results name %s, which is not in %s", name, q.dir)
				}
			}
			matched, total := 0, 0
			for _, name := range files {
				want := expected[name]
				slices.Sort(want)
				want = slices.Compact(want)
				if strings.HasPrefix(name, "negative") && len(want) > 0 {
					t.Errorf("%s: KICS expects findings in a negative file", name)
				}
				got := kicsFindings(t, fsys, path.Join(q.dir, name), q.rules)

				// KICS lines we match, and those we do not.
				var hit, missed []int
				for _, line := range want {
					if slices.ContainsFunc(got, func(f rules.Finding) bool { return f.Loc.Line <= line && line <= f.Loc.EndLine }) {
						hit = append(hit, line)
					} else {
						missed = append(missed, line)
					}
				}
				// Our findings that cover no line KICS expects.
				var extra []int
				for _, f := range got {
					if !slices.ContainsFunc(want, func(line int) bool { return f.Loc.Line <= line && line <= f.Loc.EndLine }) && !slices.Contains(extra, f.Loc.Line) {
						extra = append(extra, f.Loc.Line)
					}
				}
				slices.Sort(extra)
				matched += len(hit)
				total += len(want)
				t.Logf("%s: KICS expects %v, we match %v, miss %v; our findings KICS does not expect at %v", name, want, hit, missed, extra)

				for _, line := range missed {
					i := findDisagreement(q.dir, name, func(d kicsDisagreement) bool { return d.line == line })
					if i < 0 {
						t.Errorf("%s: KICS expects line %d, and no %s finding of ours covers it (not listed in kicsDisagreements)", name, line, ruleNames(q.rules))
						continue
					}
					used[i] = true
					t.Logf("%s:%d: known disagreement: %s", name, line, kicsDisagreements[i].reason)
				}
				for _, line := range extra {
					i := findDisagreement(q.dir, name, func(d kicsDisagreement) bool { return d.at == line })
					if i < 0 {
						t.Errorf("%s: we report %s at line %d, where KICS expects nothing (not listed in kicsDisagreements): %s", name, ruleNames(q.rules), line, messagesAt(got, line))
						continue
					}
					used[i] = true
					t.Logf("%s:%d: known disagreement: %s", name, line, kicsDisagreements[i].reason)
				}
				// An entry must describe what happens now, entirely.
				for i, d := range kicsDisagreements {
					if d.query != q.dir || d.file != name {
						continue
					}
					if d.line != 0 && !slices.Contains(missed, d.line) {
						t.Errorf("kicsDisagreements[%d] (%s %s line %d) is stale: line %d is now matched or no longer expected", i, d.query, d.file, d.line, d.line)
					}
					if d.at != 0 && !slices.Contains(extra, d.at) {
						t.Errorf("kicsDisagreements[%d] (%s %s at %d) is stale: we no longer report an unexpected finding at line %d", i, d.query, d.file, d.at, d.at)
					}
				}
			}
			summary = append(summary, fmt.Sprintf("%-55s %d/%d expected lines matched", q.dir, matched, total))
		})
	}
	for i, d := range kicsDisagreements {
		switch {
		case !known[d.query]:
			t.Errorf("kicsDisagreements[%d] names query %q, which is not compared", i, d.query)
		case d.line == 0 && d.at == 0:
			t.Errorf("kicsDisagreements[%d] (%s %s) names neither a line nor a finding", i, d.query, d.file)
		case strings.TrimSpace(d.reason) == "":
			t.Errorf("kicsDisagreements[%d] (%s %s) gives no reason", i, d.query, d.file)
		case !used[i] && !t.Failed():
			t.Errorf("kicsDisagreements[%d] (%s %s) was never needed", i, d.query, d.file)
		}
	}
	t.Logf("KICS comparison:\n%s", strings.Join(summary, "\n"))
}

// findDisagreement returns the index of the entry for query and file that
// satisfies match, or -1.
func findDisagreement(query, file string, match func(kicsDisagreement) bool) int {
	return slices.IndexFunc(kicsDisagreements, func(d kicsDisagreement) bool {
		return d.query == query && d.file == file && match(d)
	})
}

func readKICSExpectations(t *testing.T, fsys fs.FS, dir string) map[string][]int {
	t.Helper()
	data, err := fs.ReadFile(fsys, path.Join(dir, "positive_expected_result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list []kicsExpectation
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	out := map[string][]int{}
	for _, e := range list {
		if e.Line <= 0 || e.Filename == "" {
			t.Fatalf("%s: malformed expectation %+v", dir, e)
		}
		out[e.Filename] = append(out[e.Filename], e.Line)
	}
	return out
}

// kicsFixtures lists the positive and negative files of a query folder.
func kicsFixtures(t *testing.T, fsys fs.FS, dir string) []string {
	t.Helper()
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && path.Ext(n) == ".yaml" && (strings.HasPrefix(n, "positive") || strings.HasPrefix(n, "negative")) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no fixtures", dir)
	}
	return out
}

// kicsFindings reviews one fixture as a project of its own and returns
// the findings of the given rules. A parse error is logged: it explains
// why nothing else was found.
func kicsFindings(t *testing.T, fsys fs.FS, file string, want []kicsRule) []rules.Finding {
	t.Helper()
	res, err := engine.Review(context.Background(), fsys, [][]string{{file}}, nil)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out []rules.Finding
	parsed := true
	for _, f := range res.Findings {
		if f.Loc.File != file {
			t.Errorf("%s: finding in another file: %+v", file, f)
		}
		if f.Rule == rules.ParseError {
			parsed = false
			t.Logf("%s:%d: %s: %s", path.Base(file), f.Loc.Line, f.Rule, f.Message)
		}
		if slices.ContainsFunc(want, func(r kicsRule) bool { return f.Rule == r.rule && (r.target == "" || f.Target == r.target) }) {
			out = append(out, f)
		}
	}
	if why, ok := kicsInvalid[file]; ok && parsed {
		t.Errorf("%s loads, but kicsInvalid says it is not a valid compose file (%s)", file, why)
	} else if !ok && !parsed {
		t.Errorf("%s does not load, and is not listed in kicsInvalid", file)
	}
	return out
}

func ruleNames(rs []kicsRule) string {
	var names []string
	for _, r := range rs {
		if r.target != "" {
			names = append(names, r.rule+"("+r.target+")")
		} else {
			names = append(names, r.rule)
		}
	}
	return strings.Join(names, "/")
}

func messagesAt(fs []rules.Finding, line int) string {
	var out []string
	for _, f := range fs {
		if f.Loc.Line == line {
			out = append(out, f.Rule+": "+f.Message)
		}
	}
	return strings.Join(out, "; ")
}
