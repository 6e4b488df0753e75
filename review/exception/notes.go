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

// renderRejection is the comment that answers an exception label applied
// by someone who may not grant exceptions. It mentions that person, once,
// so they learn why the label did nothing (or went away); the approvers
// are named without a mention, as a refused label is not their business
// until someone asks them.
func renderRejection(label, appliedBy string, ownPR bool, s config.ExceptionSettings, removed bool, w web) string {
	var b strings.Builder
	b.WriteString("### Exception label not accepted\n\n")
	why := "you may not grant exceptions in this repository"
	if ownPR {
		why = "an exception cannot be granted by the author of the pull request it covers"
	}
	fmt.Fprintf(&b, "%s, you applied the label %s, but %s, so the label counts for nothing: it excepts no finding, and the check is not affected.",
		w.mention(appliedBy), mdsafe.CodeSpan(label, maxLabel), why)
	if removed {
		b.WriteString(" mountguard removed the label.\n")
	} else {
		b.WriteString(" The label stays on the pull request, but it counts only once an approver removes it and applies it again.\n")
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
	if removed {
		b.WriteString("\nIf the findings need an exception, ask one of them to review the pull request and apply the label.")
	} else {
		b.WriteString("\nIf the findings need an exception, ask one of them to review the pull request, then remove the label and apply it again.")
	}
	b.WriteString(" An exception covers only the findings present when it is granted.\n")
	return b.String()
}
