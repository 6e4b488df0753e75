package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mountguard/mountguard/review/engine"
	"github.com/mountguard/mountguard/webhook/githubtest"
)

// The load benchmarks drive the real HTTP server over loopback with
// signed deliveries, against the fake GitHub:
//
//	go test ./cmd/mountguard -run '^$' -bench 'Ack|EndToEnd' -benchtime 2000x
//
// Each reports figures beside a baseline measured in the same run: for
// acknowledgements, a bare handler that answers 202 on the same loopback;
// for reviews, the engine alone reviewing the same files.

type loadEnv struct {
	gh               *githubtest.Server
	app              *app
	hook             *httptest.Server
	baseSHA, headSHA string
}

func newLoadEnv(b *testing.B, prs int, workers, queueSize int) *loadEnv {
	b.Helper()
	gh := githubtest.NewServer()
	b.Cleanup(gh.Close)
	key, err := githubtest.NewPrivateKey()
	if err != nil {
		b.Fatal(err)
	}
	check := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	check(gh.SetApp(testAppID, "mountguard", key))
	check(gh.AddInstallation(githubtest.Installation{ID: installation1, Account: owner, AccountType: "User"}))
	check(gh.AddRepo(githubtest.Repo{Owner: owner, Name: repo, DefaultBranch: "master"}))
	gh.SetRateLimit(1 << 30)
	baseSHA, err := gh.AddCommit(owner, repo, githubtest.Commit{Files: map[string]string{"compose.yaml": baseComposeFile}})
	check(err)
	check(gh.SetBranch(owner, repo, "master", baseSHA))
	headSHA, err := gh.AddCommit(owner, repo, githubtest.Commit{Parents: []string{baseSHA}, Files: map[string]string{"compose.yaml": headComposeFile}})
	check(err)
	for n := 1; n <= prs; n++ {
		check(gh.AddPullRequest(owner, repo, githubtest.PullRequest{Number: n, Base: "master", BaseSHA: baseSHA, HeadSHA: headSHA, Head: fmt.Sprintf("b%d", n)}))
	}
	s := defaultSettings()
	s.AppID, s.PrivateKey, s.WebhookSecret, s.GitHubURL = testAppID, string(key), testSecret, gh.URL+"/"
	s.Workers, s.QueueSize = workers, queueSize
	a, err := newApp(s, slog.New(slog.DiscardHandler), nil)
	check(err)
	env := &loadEnv{gh: gh, app: a, hook: httptest.NewServer(a.routes), baseSHA: baseSHA, headSHA: headSHA}
	b.Cleanup(func() {
		env.hook.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = a.queue.Shutdown(ctx) // the ack benchmark leaves reviews queued
	})
	return env
}

func openedPayload(number int, baseSHA, headSHA string) []byte {
	return []byte(fmt.Sprintf(`{"action":"opened","number":%d,"pull_request":{"number":%d,"head":{"sha":%q,"ref":"b%d"},"base":{"sha":%q,"ref":"master"}},"repository":{"name":%q,"full_name":"%s/%s","owner":{"login":%q}},"installation":{"id":%d},"sender":{"login":"dev"}}`,
		number, number, headSHA, number, baseSHA, repo, owner, repo, owner, installation1))
}

// measure sends n signed deliveries to url with the given concurrency and
// returns each one's latency.
func measure(b *testing.B, url string, n, concurrency int, body func(i int) []byte) []time.Duration {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				req, err := githubtest.Delivery{Event: "pull_request", ID: fmt.Sprintf("load-%d-%d", time.Now().UnixNano(), i), Payload: body(i), Secret: testSecret}.NewRequest(url)
				if err != nil {
					b.Error(err)
					return
				}
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(start)
				if resp.StatusCode != http.StatusAccepted {
					b.Errorf("delivery answered %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	return lat
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

// BenchmarkAck measures how fast a delivery is acknowledged while the App
// reviews in the background, at increasing concurrency.
func BenchmarkAck(b *testing.B) {
	for _, c := range []int{1, 8, 32, 128} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			env := newLoadEnv(b, 1, 4, 1<<20)
			baseline := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.WriteHeader(http.StatusAccepted)
			}))
			defer baseline.Close()
			body := openedPayload(1, env.baseSHA, env.headSHA)
			fixed := func(int) []byte { return body }
			base := measure(b, baseline.URL, b.N, c, fixed)
			b.ResetTimer()
			lat := measure(b, env.hook.URL+"/webhook", b.N, c, fixed)
			b.StopTimer()
			p50, p99 := percentile(lat, 0.50), percentile(lat, 0.99)
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(p50)/float64(percentile(base, 0.50)), "p50-vs-bare")
			b.ReportMetric(float64(p99)/float64(percentile(base, 0.99)), "p99-vs-bare")
		})
	}
}

// BenchmarkEndToEnd measures reviews per second: b.N pull requests opened
// at once, each reviewed with its check run completed.
func BenchmarkEndToEnd(b *testing.B) {
	env := newLoadEnv(b, b.N, 4, b.N+1)

	// Baseline: the engine alone, reviewing the head and the base.
	start := time.Now()
	for range b.N {
		for _, content := range []string{headComposeFile, baseComposeFile} {
			if _, err := engine.Review(context.Background(), fstest.MapFS{"compose.yaml": {Data: []byte(content)}}, [][]string{{"compose.yaml"}}, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	engineOnly := time.Since(start)

	b.ResetTimer()
	measure(b, env.hook.URL+"/webhook", b.N, 16, func(i int) []byte { return openedPayload(i+1, env.baseSHA, env.headSHA) })
	// Draining the queue waits for every review; polling the fake would
	// cost more than the reviews.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := env.app.queue.Shutdown(ctx); err != nil {
		b.Fatalf("reviews did not finish: %v", err)
	}
	b.StopTimer()
	done := 0
	for _, r := range env.gh.CheckRuns(owner, repo) {
		if r.GetStatus() == "completed" && r.GetConclusion() == "failure" {
			done++
		}
	}
	if done != b.N {
		b.Fatalf("%d of %d reviews completed with the expected failure", done, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reviews/s")
	b.ReportMetric(b.Elapsed().Seconds()/engineOnly.Seconds(), "x-engine-only")
}
