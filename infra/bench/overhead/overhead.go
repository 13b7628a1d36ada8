// Package overhead measures what each API handler adds to the DynamoDB calls it makes: its warm
// latency through the Lambda adapter (lambdahttp.Handler over the API's http.Handler, fed a v2
// event) against DynamoDB Local, divided by the latency of the same calls issued alone (learnt
// with infra/bench/meter, replayed on the same client) in the same run. The two arms are timed
// in pairs, request by request in alternating order, so the machine's noise falls on both alike
// (blocks of testing.Benchmark swung the ratio by a third on this shared machine); Go's benchmark
// harness gives the allocations per request, and the pairs are written in Go's benchmark format
// for benchstat.
package overhead

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/infra/bench/benchenv"
	"github.com/referloop/referloop/infra/bench/meter"
	"github.com/referloop/referloop/infra/bench/replay"
	"github.com/referloop/referloop/infra/bench/report"
	"github.com/referloop/referloop/infra/seed"
	"github.com/referloop/referloop/pkg/lambdahttp"
)

// Handler is one API handler measured: a request it can serve again and again.
type Handler struct {
	Name    string
	Request func(w *world, i int) benchenv.Request
	Want    int
}

type world struct {
	*benchenv.Env
	ids       []string
	submitter benchenv.Session
	retryKey  string
	retryBody []byte
}

// Handlers are the API handlers measured. One-shot operations (session confirm spends its link,
// sign-in link requests are rate-limited per address) are not: they cannot be repeated alike.
var Handlers = []Handler{
	{"referrer list", func(w *world, _ int) benchenv.Request {
		return benchenv.Request{Method: "GET", Path: "/v1/referrals", Session: &w.Referrer}
	}, http.StatusOK},
	{"referral read (referrer)", func(w *world, i int) benchenv.Request {
		return benchenv.Request{Method: "GET", Path: "/v1/referrals/" + w.ids[i%len(w.ids)], Session: &w.Referrer}
	}, http.StatusOK},
	{"staff list", func(w *world, _ int) benchenv.Request {
		return benchenv.Request{Method: "GET", Path: "/v1/referrals?status=received", Session: &w.Owner}
	}, http.StatusOK},
	{"referral read (staff)", func(w *world, i int) benchenv.Request {
		return benchenv.Request{Method: "GET", Path: "/v1/referrals/" + w.ids[i%len(w.ids)], Session: &w.Owner}
	}, http.StatusOK},
	{"profile read", func(w *world, _ int) benchenv.Request {
		return benchenv.Request{Method: "GET", Path: "/v1/practice", Session: &w.Owner}
	}, http.StatusOK},
	{"public profile", func(w *world, _ int) benchenv.Request {
		return benchenv.Request{Method: "GET", Path: "/v1/practices/" + seed.Slug + "/profile"}
	}, http.StatusOK},
	{"me", func(w *world, _ int) benchenv.Request {
		return benchenv.Request{Method: "GET", Path: "/v1/me", Session: &w.Referrer}
	}, http.StatusOK},
	{"submit", func(w *world, i int) benchenv.Request {
		return benchenv.Request{Method: "POST", Path: "/v1/referrals", Body: benchenv.SubmitBody(i),
			Header: http.Header{"Idempotency-Key": {benchenv.NewKey()}}, Session: &w.submitter}
	}, http.StatusCreated},
	{"retried submit", func(w *world, _ int) benchenv.Request {
		return benchenv.Request{Method: "POST", Path: "/v1/referrals", Body: w.retryBody,
			Header: http.Header{"Idempotency-Key": {w.retryKey}}, Session: &w.submitter}
	}, http.StatusCreated},
}

type lambdaHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Pairs of requests timed per handler, after Warm; each pair is a sample of the benchmark file.
const (
	Warm      = 20
	Pairs     = 150
	benchtime = "100ms"
)

// Run measures every handler of Handlers.
func Run(ctx context.Context) (report.Part, error) {
	p := report.Part{Name: "overhead", Title: "3. Handler overhead", Machine: report.Machine()}
	testing.Init()
	if err := flag.Set("test.benchtime", benchtime); err != nil {
		return p, err
	}
	env, err := benchenv.Open(ctx, "overhead")
	if err != nil {
		return p, err
	}
	defer env.Close()
	if err := env.Warm(ctx, 300); err != nil {
		return p, err
	}
	w := &world{Env: env}
	if w.ids, err = env.ReferralIDs(ctx); err != nil {
		return p, err
	}
	if w.submitter, _, err = env.NewReferrer(ctx, 0, "overhead@northside.example"); err != nil {
		return p, err
	}
	w.retryKey, w.retryBody = benchenv.NewKey(), benchenv.SubmitBody(99)

	m := meter.New()
	metered := map[string]lambdaHandler{}
	plain := map[string]lambdaHandler{}
	dm, dp := env.Deps(env.Client(m.Option())), env.Deps(env.DB)
	for _, f := range env.Template.Functions {
		if len(f.Routes) == 0 {
			continue
		}
		if h, _, err := env.API(f.Name, dm); err == nil {
			metered[f.Name] = lambdahttp.Handler(h)
		}
		if h, _, err := env.API(f.Name, dp); err == nil {
			plain[f.Name] = lambdahttp.Handler(h)
		}
	}
	call := func(hs map[string]lambdaHandler, ctx context.Context, r benchenv.Request, want int) error {
		fn, err := env.FunctionOf(r.Method, r.Path)
		if err != nil {
			return err
		}
		resp, err := hs[fn](ctx, r.Event(env.RouteKey(r.Method, r.Path)))
		if err != nil {
			return err
		}
		if resp.StatusCode != want {
			return fmt.Errorf("%s %s answered %d, want %d: %.200s", r.Method, r.Path, resp.StatusCode, want, resp.Body)
		}
		return nil
	}
	// The retried submit needs its first send.
	if err := call(plain, ctx, Handlers[len(Handlers)-1].Request(w, 0), http.StatusCreated); err != nil {
		return p, err
	}

	var bench strings.Builder
	fmt.Fprintf(&bench, "goos: linux\ngoarch: %s\npkg: github.com/referloop/referloop/infra/bench/overhead\n", runtime.GOARCH)
	var seq atomic.Int64
	for _, h := range Handlers {
		// Learn the calls the handler makes (recorded by the meter), then time pairs: one request
		// through the handler, the same calls alone, in alternating order.
		label := h.Name
		if err := call(metered, meter.WithOperation(ctx, label), h.Request(w, int(seq.Add(1))), h.Want); err != nil {
			return p, fmt.Errorf("%s: %w", h.Name, err)
		}
		plan, err := replay.FromCalls(m.Of(label))
		if err != nil {
			return p, fmt.Errorf("%s: %w", h.Name, err)
		}
		handlerArm := func() error { return call(plain, ctx, h.Request(w, int(seq.Add(1))), h.Want) }
		rawArm := func() error { return plan.Run(ctx, env.DB, int(seq.Add(1))) }
		var hs, rs []float64
		for i := 0; i < Warm+Pairs; i++ {
			first, second := handlerArm, rawArm
			if i%2 == 1 {
				first, second = rawArm, handlerArm
			}
			t0 := time.Now()
			if err := first(); err != nil {
				return p, fmt.Errorf("%s: %w", h.Name, err)
			}
			t1 := time.Now()
			if err := second(); err != nil {
				return p, fmt.Errorf("%s: %w", h.Name, err)
			}
			t2 := time.Now()
			if i < Warm {
				continue
			}
			a, b := ms(t1.Sub(t0)), ms(t2.Sub(t1))
			if i%2 == 1 {
				a, b = b, a
			}
			hs, rs = append(hs, a), append(rs, b)
		}
		// Allocations per request, from Go's benchmark harness (they do not depend on the noise).
		var failed error
		allocs := func(f func() error) testing.BenchmarkResult {
			return testing.Benchmark(func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if err := f(); err != nil {
						failed = err
						b.FailNow()
					}
				}
			})
		}
		hr, rr := allocs(handlerArm), allocs(rawArm)
		if failed != nil {
			return p, fmt.Errorf("%s: %w", h.Name, failed)
		}
		name := strings.ReplaceAll(strings.NewReplacer("(", "", ")", "").Replace(h.Name), " ", "-")
		for i := range hs {
			fmt.Fprintf(&bench, "BenchmarkOverhead/op=%s/arm=raw 1 %.0f ns/op\n", name, rs[i]*1e6)
			fmt.Fprintf(&bench, "BenchmarkOverhead/op=%s/arm=handler 1 %.0f ns/op\n", name, hs[i]*1e6)
		}
		hv, rv := report.Median(hs), report.Median(rs)
		ratio := hv / rv
		row := report.NewRow(h.Name+": warm latency through the Lambda adapter", hv, rv, "ms", "its DynamoDB calls issued alone",
			fmt.Sprintf("median of %d requests, each paired with its calls replayed alone, in alternating order (IQR handler %.2f–%.2f, raw %.2f–%.2f ms); "+
				"allocations per request (testing.Benchmark): handler %d, raw %d. Calls: %s.",
				len(hs), report.Quantile(hs, .25), report.Quantile(hs, .75), report.Quantile(rs, .25), report.Quantile(rs, .75),
				hr.AllocsPerOp(), rr.AllocsPerOp(), plan.Calls)).
			WithBudget("≤ 1.2× its raw calls", ratio <= 1.2).WithDecimals(2)
		if ratio > 1.2 {
			row = row.WithNote(fmt.Sprintf("The handler adds %.2f ms to %.2f ms of DynamoDB calls, and %d allocations: decoding the v2 event, verifying the session JWT, "+
				"JSON in and out, the access log line, and the work between its calls.", hv-rv, rv, hr.AllocsPerOp()-rr.AllocsPerOp()))
		}
		p.Rows = append(p.Rows, row)
	}
	p.Notes = append(p.Notes, "The raw arm replays, on the same DynamoDB client, the exact requests the handler made (recorded by infra/bench/meter just before); "+
		"a put that created an item is replayed on a fresh key so it does the same work, and a retried submit's failing put fails again alike.",
		"Handlers log one JSON line per request as in Lambda, into io.Discard. DynamoDB Local runs on the same 2 cores, so its latency (the floor) is far above DynamoDB's own; "+
			"against DynamoDB the same absolute overhead would be a larger share.")
	if err := os.WriteFile(filepath.Join(report.Dir(env.Root), "overhead.bench.txt"), []byte(bench.String()), 0o644); err != nil {
		return p, err
	}
	return p, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
