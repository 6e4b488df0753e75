package exception

import (
	"fmt"
	"strings"

	"github.com/mountguard/mountguard/review/config"
	"github.com/mountguard/mountguard/review/mdsafe"
)

// renderNote is the exception note of an inline comment (see
// comment.SetException), naming the grants that cover its findings.
func renderNote(approvals []Approval, w web) string {
	var b strings.Builder
	if len(approvals) == 1 {
		a := approvals[0]
		fmt.Fprintf(&b, "**Excepted** by %s on %s, through the label %s: ", w.userRef(a.ApprovedBy), when(a.ApprovedAt), mdsafe.CodeSpan(a.Label, maxLabel))
	} else {
		parts := make([]string, len(approvals))
		for i, a := range approvals {
			parts[i] = fmt.Sprintf("%s (by %s on %s)", mdsafe.CodeSpan(a.Label, maxLabel), w.userRef(a.ApprovedBy), when(a.ApprovedAt))
		}
		b.WriteString("**Excepted** through the labels " + join(parts) + ": ")
	}
	b.WriteString("this comment's blocking findings no longer fail the check. The exception record on this pull request lists what ")
	if len(approvals) == 1 {
		b.WriteString("the approval covers")
	} else {
		b.WriteString("each approval covers")
	}
	b.WriteString("; a finding added later is not covered.")
	return b.String()
}

// renderRejection is the comment that answers an exception label that
// does not count. It mentions whoever applied it, once, so they learn why
// the label did nothing (or went away); the approvers are named without a
// mention, as a refused label is not their business until someone asks
// them.
func renderRejection(rej Rejection, s config.ExceptionSettings, removed bool, w web) string {
	var b strings.Builder
	b.WriteString("### Exception label not accepted\n\n")
	var why string
	switch rej.Reason {
	case PRAuthor:
		why = "an exception cannot be granted by the author of the pull request it covers"
	case CommitAuthor:
		why = "you wrote commits in this pull request" + commitRefs(rej.Commits) + ", and an exception must be granted by someone who did not"
	default:
		why = "you may not grant exceptions in this repository"
	}
	fmt.Fprintf(&b, "%s, you applied the label %s, but %s, so the label counts for nothing: it excepts no finding, and the check is not affected.",
		w.mention(rej.AppliedBy), mdsafe.CodeSpan(rej.Label, maxLabel), why)
	if removed {
		b.WriteString(" mountguard removed the label.\n")
	} else {
		b.WriteString(" The label stays on the pull request, but it counts for nothing as long as you may not grant this exception; for it to count now, an approver removes it and applies it again.\n")
	}

	who := whoMayApprove(s, w)
	if len(who) == 0 {
		b.WriteString("\nNo one may grant exceptions in this repository: its mountguard configuration names no approvers.\n")
		return b.String()
	}
	b.WriteString("\nExceptions can be granted by:\n\n")
	for _, w := range who {
		b.WriteString("- " + w + "\n")
	}
	// Whatever the reason, the next person asked must not be refused in
	// turn: say that the author and whoever wrote commits are out.
	const someone = "If the findings need an exception, ask one of them who neither opened this pull request nor wrote any of its commits to review it"
	if removed {
		b.WriteString("\n" + someone + " and apply the label.")
	} else {
		b.WriteString("\n" + someone + ", then remove the label and apply it again.")
	}
	b.WriteString(" An exception covers only the findings present when it is granted.\n")
	return b.String()
}

// maxCommitRefs bounds the commits a rejection names.
const maxCommitRefs = 3

// commitRefs names commits by their short SHA, which GitHub links to the
// commit, in parentheses: " (3f9c2a1, 9b0c1d2 and 4 more)". Anything
// that is not a SHA is left out rather than trusted into the comment.
func commitRefs(shas []string) string {
	var refs []string
	for _, sha := range shas {
		if len(sha) >= 7 && strings.Trim(strings.ToLower(sha), "0123456789abcdef") == "" {
			refs = append(refs, strings.ToLower(sha[:7]))
		}
	}
	if len(refs) == 0 {
		return ""
	}
	if more := len(refs) - maxCommitRefs; more > 0 {
		refs = append(refs[:maxCommitRefs], fmt.Sprintf("%d more", more))
	}
	return " (" + join(refs) + ")"
}
