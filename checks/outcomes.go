package checks

import (
	"strconv"
	"strings"
)

// NoComposeChanges is the run of a pull request whose commit changes no
// compose file. It is still posted, and passes: a check that branch
// protection requires and never reports keeps the pull request waiting at
// "Expected" forever.
func NoComposeChanges() (conclusion string, out Output) {
	return ConclusionSuccess, Output{
		Title: "No compose files changed",
		Summary: "No file changed by this pull request matches the compose file patterns " +
			"(`compose_files` in the configuration), so mountguard had nothing to review.\n\n" +
			"mountguard reports on every commit all the same, so that a branch protection rule that requires " +
			"this check is never left waiting for it.\n",
	}
}

// InvalidConfig is the run when the repository's configuration cannot be
// used: it fails, because reviewing with defaults could pass what the
// configuration forbids, and it points at the line to fix. line is 0 when
// the error has no line; msg is the parser's message.
//
// repo is "" for a file of the repository under review, or the
// repository the file came from (the organisation's .github): an
// annotation can only point into the commit under review, so that file is
// named in the summary instead.
func InvalidConfig(repo, path string, line int, msg string) (conclusion string, out Output, annotations []Annotation) {
	where := "The configuration"
	if path != "" {
		where = code(path, maxPath)
		if repo != "" {
			where += " in " + code(repo, maxPath)
		}
	}
	var b strings.Builder
	b.WriteString("mountguard could not use its configuration, so it did not review this commit.\n\n")
	b.WriteString("**" + where)
	if line > 0 {
		b.WriteString(", line " + strconv.Itoa(line))
	}
	reason := text(msg, maxMessage)
	if reason == "" {
		reason = "invalid configuration"
	}
	b.WriteString(":** " + reason + "\n\n")
	if repo == "" {
		b.WriteString("mountguard reads its configuration from the pull request's base branch, so that a pull request " +
			"cannot weaken its own review. Correct the file there, then re-run this check or push a new commit.\n")
	} else {
		b.WriteString("This repository has no configuration of its own, so mountguard uses the organization's, from the default branch of " +
			code(repo, maxPath) + ". Correct the file there (or give this repository its own on the base branch), " +
			"then re-run this check or push a new commit.\n")
	}

	title := "Invalid configuration"
	switch {
	case repo != "":
		title += " in " + oneLine(repo)
	case path != "":
		title += " in " + oneLine(path)
	}
	out = Output{Title: clip(title, MaxOutputTitle), Summary: b.String()}
	if path != "" && repo == "" {
		message := strings.TrimSpace(sanitize(msg))
		if message == "" {
			message = "invalid configuration"
		}
		annotations = []Annotation{{
			Path:      path,
			StartLine: max(line, 1),
			EndLine:   max(line, 1),
			Level:     LevelFailure,
			Title:     "Invalid mountguard configuration",
			Message:   clip(message, MaxAnnotationMessage),
		}}
	}
	return ConclusionFailure, out, annotations
}
