// Package checks renders a review as a GitHub check run (title, summary
// and annotations within GitHub's limits) and reports it. It arrives with
// the GitHub App, after the engine in package review.
package checks
