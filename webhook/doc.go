// Package webhook is where GitHub events enter mountguard. The Intake
// verifies each delivery's signature, drops redeliveries and queues a
// review job within milliseconds; the Processor, on the queue's workers,
// reviews the pull requests of the event (package review/pullreq) and
// reports a check run (package checks). It is the only layer that knows
// about HTTP requests; everything below it works on plain values, and
// GitHub itself is reached through the Client interface (webhook/ghapi).
package webhook
