// Package queue runs review jobs in the background, so that a webhook is
// answered within milliseconds. The Queue interface lets a durable
// implementation replace the in-process one.
package queue

import (
	"context"
	"errors"
)

// Job is one unit of work.
type Job struct {
	// Key serializes work: jobs with the same key (one pull request) never
	// run at the same time, and run in the order they were enqueued.
	Key string
	// Version orders jobs with the same key (the pull request's head SHA).
	// A waiting job is dropped when a job with the same key and a
	// different version is enqueued after it: a review of an old head is
	// worthless once a newer one is waiting.
	Version string
	// Keep exempts a waiting job from being superseded: it records
	// something that happened (a label applied), which a newer head does
	// not make stale.
	Keep bool
	// ID identifies the job in logs (the webhook delivery id).
	ID string
	// Run does the work. Its context ends at the job deadline or when the
	// queue's drain deadline passes.
	Run func(ctx context.Context) error
}

// Errors returned by Enqueue.
var (
	ErrFull   = errors.New("the job queue is full")
	ErrClosed = errors.New("the job queue is shutting down")
)

// Queue accepts jobs and runs them.
type Queue interface {
	// Enqueue adds a job, or fails at once with ErrFull or ErrClosed.
	Enqueue(job Job) error
	// Len is the number of jobs waiting (not running).
	Len() int
	// Shutdown stops accepting jobs and waits for the running and waiting
	// ones, then returns nil. If ctx ends first, it drops the waiting
	// ones, cancels the running ones, waits for them to return, and
	// returns ctx.Err(). It is idempotent and safe to call concurrently.
	Shutdown(ctx context.Context) error
}
