// Package webhook is where GitHub events enter mountguard: it verifies
// webhook signatures, de-duplicates deliveries and queues review jobs. It is
// the only layer that knows about HTTP requests; everything below it works
// on plain values. The GitHub App arrives with `mountguard serve`.
package webhook
