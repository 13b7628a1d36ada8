// Package load drives the local server with vegeta (as a library): submits and status reads at a
// fixed rate, then at the highest rate that keeps zero errors, each beside the same rate of the
// same raw DynamoDB Local calls (served by a bare HTTP server that only makes them). Afterwards it
// checks that the table holds exactly one referral per 201 answered: nothing lost, nothing doubled.
package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/referloop/referloop/infra/bench/benchenv"
	"github.com/referloop/referloop/infra/bench/meter"
	"github.com/referloop/referloop/infra/bench/replay"
	"github.com/referloop/referloop/infra/bench/report"
	"github.com/referloop/referloop/pkg/auth"
)

// Options tune a run.
type Options struct {
	Rate int           // the fixed rate, requests per second of each kind (submits, reads)
	For  time.Duration // how long the fixed-rate run lasts
}

const (
	floorFor   = 15 * time.Second // the floor's fixed-rate run
	probeFor   = 5 * time.Second  // each step of the search for the highest rate
	maxFor     = 10 * time.Second // the run at the highest rate, and its floor
	timeout    = 5 * time.Second
	maxWorkers = 256
	rateCap    = 3200
)

// mix is a pair of targeters hit together, each at the same rate.
type mix struct {
	name           string
	submit, status vegeta.Targeter
}

// outcome is one attack's metrics per kind.
type outcome struct {
	submit, status vegeta.Metrics
	created        []string // ULIDs of the referrals whose 201 reached vegeta (from Location)
}

func (o outcome) errors() int {
	return int(o.submit.Requests-successes(o.submit)) + int(o.status.Requests-successes(o.status))
}

func successes(m vegeta.Metrics) uint64 { return uint64(math.Round(m.Success * float64(m.Requests))) }

// keptUp: no error, and the attack kept its pace (vegeta's rate of sent requests within 5% of the
// target, p99 under half a second), so no queue was growing.
func (o outcome) keptUp(rate int) bool {
	for _, m := range []vegeta.Metrics{o.submit, o.status} {
		if m.Success < 1 || m.Rate < 0.95*float64(rate) || m.Latencies.P99 > 500*time.Millisecond {
			return false
		}
	}
	return true
}

// Run runs the load part.
func Run(ctx context.Context, o Options) (report.Part, error) {
	p := report.Part{Name: "load", Title: "4. Load (vegeta on 127.0.0.1)", Machine: report.Machine()}
	if o.Rate <= 0 {
		o.Rate = 10
	}
	if o.For <= 0 {
		o.For = 30 * time.Second
	}
	env, err := benchenv.Open(ctx, "load")
	if err != nil {
		return p, err
	}
	defer env.Close()
	if err := env.Warm(ctx, 300); err != nil {
		return p, err
	}
	submitter, loadRef, err := env.NewReferrer(ctx, 1, "load@harborchiro.example")
	if err != nil {
		return p, err
	}
	ids, err := env.ReferralIDs(ctx)
	if err != nil {
		return p, err
	}

	// The product: every API function mounted as the local server does, on loopback.
	mux, err := env.Mux(env.Deps(env.DB))
	if err != nil {
		return p, err
	}
	productGauge := &gauge{}
	product, stopProduct, err := serve(productGauge.wrap(mux))
	if err != nil {
		return p, err
	}
	defer stopProduct()

	// The floor: a bare server that makes the same DynamoDB calls, learnt from one metered request
	// of each kind.
	m := meter.New()
	learn, err := env.Mux(env.Deps(env.Client(m.Option())))
	if err != nil {
		return p, err
	}
	// Learnt with a referrer of its own, so the referral it creates is not counted below.
	learner, _, err := env.NewReferrer(ctx, 1, "learn@harborchiro.example")
	if err != nil {
		return p, err
	}
	submitReq := func(body []byte) benchenv.Request {
		return benchenv.Request{Method: "POST", Path: "/v1/referrals", Body: body,
			Header: http.Header{"Idempotency-Key": {benchenv.NewKey()}}, Session: &learner}
	}
	statusReq := benchenv.Request{Method: "GET", Path: "/v1/referrals/" + ids[0], Session: &env.Referrer}
	plans := map[string]replay.Plan{}
	for label, r := range map[string]benchenv.Request{"submit": submitReq(benchenv.SubmitBody(0)), "status": statusReq} {
		rec := &statusRecorder{header: http.Header{}}
		learn.ServeHTTP(rec, r.HTTP(meter.WithOperation(ctx, label), "http://127.0.0.1"))
		if rec.code >= 300 {
			return p, fmt.Errorf("learning the %s calls: status %d", label, rec.code)
		}
		if plans[label], err = replay.FromCalls(m.Of(label)); err != nil {
			return p, err
		}
	}
	var rawSeq atomic.Int64
	floorMux := http.NewServeMux()
	for label, code := range map[string]int{"submit": http.StatusCreated, "status": http.StatusOK} {
		plan, code := plans[label], code
		floorMux.HandleFunc("/raw/"+label, func(w http.ResponseWriter, r *http.Request) {
			if err := plan.Run(r.Context(), env.DB, int(rawSeq.Add(1))); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.WriteHeader(code)
		})
	}
	floorGauge := &gauge{}
	floor, stopFloor, err := serve(floorGauge.wrap(floorMux))
	if err != nil {
		return p, err
	}
	defer stopFloor()

	var seq atomic.Int64
	productMix := mix{name: "product",
		submit: func(t *vegeta.Target) error {
			i := seq.Add(1)
			t.Method, t.URL, t.Body = "POST", product+"/v1/referrals", benchenv.SubmitBody(int(i))
			t.Header = http.Header{"Content-Type": {"application/json"}, "Cookie": {submitter.CookieHeader()},
				auth.CSRFHeader: {submitter.CSRF}, "Idempotency-Key": {benchenv.NewKey()}}
			return nil
		},
		status: func(t *vegeta.Target) error {
			i := seq.Add(1)
			t.Method, t.URL = "GET", product+"/v1/referrals/"+ids[int(i)%len(ids)]
			t.Header = http.Header{"Cookie": {env.Referrer.CookieHeader()}}
			return nil
		}}
	floorMix := mix{name: "raw DynamoDB calls",
		submit: func(t *vegeta.Target) error {
			t.Method, t.URL, t.Body = "POST", floor+"/raw/submit", benchenv.SubmitBody(0)
			return nil
		},
		status: func(t *vegeta.Target) error {
			t.Method, t.URL = "GET", floor+"/raw/status"
			return nil
		}}

	created := map[string]int{}
	run := func(mx mix, rate int, d time.Duration) (outcome, error) {
		out, err := attack(ctx, mx, rate, d)
		if mx.name == "product" {
			for _, u := range out.created {
				created[u]++
			}
		}
		// Let the servers finish what vegeta gave up on, so no backlog spills into the next run.
		productGauge.drain(30 * time.Second)
		floorGauge.drain(30 * time.Second)
		return out, err
	}
	// A short warm-up of both servers.
	if _, err := run(productMix, 5, 2*time.Second); err != nil {
		return p, err
	}
	if _, err := run(floorMix, 5, 2*time.Second); err != nil {
		return p, err
	}

	fixed, err := run(productMix, o.Rate, o.For)
	if err != nil {
		return p, err
	}
	fixedFloor, err := run(floorMix, o.Rate, floorFor)
	if err != nil {
		return p, err
	}
	p.Rows = append(p.Rows, rows(fmt.Sprintf("at %d/s each", o.Rate), o.Rate, o.For, fixed, fixedFloor)...)

	start := 4 * o.Rate
	best, tried, err := search(start, o.Rate/2+1, func(rate int) (outcome, error) { return run(productMix, rate, probeFor) })
	if err != nil {
		return p, err
	}
	bestFloor, triedFloor, err := search(start, o.Rate/2+1, func(rate int) (outcome, error) { return run(floorMix, rate, probeFor) })
	if err != nil {
		return p, err
	}
	// The run at the highest rate must hold for longer than a probe; if it does not, a quarter less.
	var top, topFloor outcome
	for i := 0; best > 0 && i < 3; i++ {
		if top, err = run(productMix, best, maxFor); err != nil {
			return p, err
		}
		if top.keptUp(best) {
			break
		}
		tried += fmt.Sprintf(", %d for %s no", best, maxFor)
		best = best * 3 / 4
	}
	p.Rows = append(p.Rows, report.NewRow("highest rate with 0 errors (submits and reads, each)", float64(best), float64(bestFloor), "/s",
		"the same search on the raw calls",
		fmt.Sprintf("probes of %s from %d/s, doubling while they pass (halving while they fail), then one step into the gap; a probe passes with no error, vegeta's sent rate within 5%% of the target and p99 < 500 ms; the product's rate must then hold for %s (else a quarter less). Tried: product %s; raw %s.",
			probeFor, start, maxFor, tried, triedFloor)).WithDecimals(0))
	if best > 0 {
		if topFloor, err = run(floorMix, best, maxFor); err != nil {
			return p, err
		}
		p.Rows = append(p.Rows, rows(fmt.Sprintf("at the highest rate, %d/s each", best), best, maxFor, top, topFloor)...)
		if top.errors() > 0 {
			p.Notes = append(p.Notes, fmt.Sprintf("The %s run at %d/s had %d errors although its probe had none: the machine is shared and the edge is noisy.",
				maxFor, best, top.errors()))
		}
	}

	// Nothing lost, nothing doubled: every 201 vegeta received names a stored referral, each stored
	// once, and no more referrals are stored than the server created.
	stored, err := env.StoredULIDs(ctx, loadRef)
	if err != nil {
		return p, err
	}
	lost, doubled := 0, 0
	for u, n := range created {
		if stored[u] == 0 {
			lost++
		}
		if n > 1 {
			doubled++
		}
	}
	for _, n := range stored {
		if n > 1 {
			doubled++
		}
	}
	total := 0
	for _, n := range stored {
		total += n
	}
	sent := int(productGauge.created.Load())
	ok := lost == 0 && doubled == 0 && total == sent
	row := report.NewRow("referrals stored after the run, against 201 answers", float64(total), float64(len(created)), "", "the 201s vegeta received",
		fmt.Sprintf("after every attack (warm-up, fixed rate, search, highest rate): the load referrer's referrals in the table (a consistent query) against the Location of every 201 vegeta received and the 201s the server wrote (%d).", sent)).
		WithBudget("every 201 stored once, nothing else stored", ok).WithDecimals(0)
	if lost > 0 {
		row = row.WithNote(fmt.Sprintf("**%d referrals answered 201 are not in the table.**", lost))
	}
	if doubled > 0 {
		row = row.WithNote(fmt.Sprintf("**%d referrals stored or answered twice.**", doubled))
	}
	if total != sent {
		productGauge.mu.Lock()
		other := "never"
		if len(productGauge.other) > 0 {
			other = strings.Trim(strings.ReplaceAll(fmt.Sprint(productGauge.other), ":", " ×"), "map[]")
		}
		productGauge.mu.Unlock()
		row = row.WithNote(fmt.Sprintf("%d stored against %d 201s written by the server, which answered other statuses to submits: %s. "+
			"A submit whose client gave up (vegeta's %s timeout) has its request context cancelled, so the handler can fail after DynamoDB stored the item: "+
			"the client got no 201, and a retry with its Idempotency-Key would get the referral back.",
			total, sent, other, timeout))
		if lost == 0 && doubled == 0 {
			row = row.WithNote("No referral was lost or doubled; an answer was.")
		}
	}
	if extra := total - len(created); extra > 0 && total == sent {
		row = row.WithNote(fmt.Sprintf("%d of the server's 201s arrived after vegeta's %s timeout: stored and answered, but too late for the client.", extra, timeout))
	}
	p.Rows = append(p.Rows, row)
	p.Notes = append(p.Notes,
		"vegeta runs in the same process as the server, and DynamoDB Local (Java) on the same 2 cores: the highest rate is this machine's, not Lambda's. Submits come from one referrer, status reads (`GET /v1/referrals/{id}`) from another, each with its session cookie; every submit has a fresh ULID Idempotency-Key.",
		"The floor server answers each request by replaying the DynamoDB calls one request of that kind made (as infra/bench/meter recorded them), through the same net/http server and DynamoDB client: the gap is the API's own work.")
	return p, nil
}

func rows(at string, rate int, d time.Duration, got, floor outcome) []report.Row {
	how := fmt.Sprintf("vegeta, %s, %d/s submits and %d/s status reads at once (%d and %d requests); floor the same rates on the raw calls.",
		d, rate, rate, got.submit.Requests, got.status.Requests)
	var out []report.Row
	for _, k := range []struct {
		kind   string
		m, f   vegeta.Metrics
		expect string
	}{{"submit", got.submit, floor.submit, "201"}, {"status read", got.status, floor.status, "200"}} {
		out = append(out,
			report.NewRow(fmt.Sprintf("%s %s: p50", k.kind, at), ms(k.m.Latencies.P50), ms(k.f.Latencies.P50), "ms", "raw calls, same rate", how).WithDecimals(2),
			report.NewRow(fmt.Sprintf("%s %s: p99", k.kind, at), ms(k.m.Latencies.P99), ms(k.f.Latencies.P99), "ms", "raw calls, same rate", "the same runs.").WithDecimals(2))
		r := report.NewRow(fmt.Sprintf("%s %s: throughput", k.kind, at), k.m.Throughput, k.f.Throughput, "/s", "raw calls, same rate",
			"successful answers per second (vegeta).").WithDecimals(1)
		if errs := k.m.Requests - successes(k.m); errs > 0 {
			r = r.WithNote(fmt.Sprintf("%d errors: %s.", errs, strings.Join(k.m.Errors, "; ")))
		}
		out = append(out, r)
	}
	return out
}

// search finds the highest rate that keeps up: from start, doubling while steps pass (or halving
// while they fail, down to min), then one step halfway into the gap.
func search(start, min int, probe func(rate int) (outcome, error)) (best int, tried string, err error) {
	var steps []string
	try := func(rate int) (bool, error) {
		o, err := probe(rate)
		if err != nil {
			return false, err
		}
		ok := o.keptUp(rate)
		mark := "ok"
		if !ok {
			mark = "no"
		}
		steps = append(steps, fmt.Sprintf("%d %s", rate, mark))
		return ok, nil
	}
	bad := 0
	ok, err := try(start)
	if err != nil {
		return 0, "", err
	}
	if ok {
		best = start
		for rate := start * 2; rate <= rateCap; rate *= 2 {
			if ok, err = try(rate); err != nil {
				return 0, "", err
			} else if !ok {
				bad = rate
				break
			}
			best = rate
		}
	} else {
		bad = start
		for rate := start / 2; rate >= min; rate /= 2 {
			if ok, err = try(rate); err != nil {
				return 0, "", err
			} else if ok {
				best = rate
				break
			}
			bad = rate
		}
	}
	if bad > 0 && best > 0 && bad-best > 1 {
		mid := (best + bad) / 2
		if ok, err := try(mid); err != nil {
			return 0, "", err
		} else if ok {
			best = mid
		}
	}
	return best, strings.Join(steps, ", "), nil
}

// attack hits the mix's two targeters at rate each for d, at once.
func attack(ctx context.Context, mx mix, rate int, d time.Duration) (outcome, error) {
	var out outcome
	type res struct {
		m       vegeta.Metrics
		created []string
	}
	one := func(tr vegeta.Targeter, name string) chan res {
		ch := make(chan res, 1)
		go func() {
			a := vegeta.NewAttacker(vegeta.Timeout(timeout), vegeta.KeepAlive(true), vegeta.Workers(8),
				vegeta.MaxWorkers(maxWorkers), vegeta.Connections(maxWorkers), vegeta.MaxBody(0))
			var m vegeta.Metrics
			var created []string
			results := a.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, d, name)
			done := ctx.Done()
			for {
				select {
				case r, ok := <-results:
					if !ok {
						m.Close()
						ch <- res{m, created}
						return
					}
					if r.Code == http.StatusCreated {
						loc := r.Headers.Get("Location")
						created = append(created, loc[strings.LastIndexByte(loc, '.')+1:])
					}
					m.Add(r)
				case <-done:
					a.Stop()
					done = nil
				}
			}
		}()
		return ch
	}
	s, st := one(mx.submit, mx.name+" submit"), one(mx.status, mx.name+" status")
	rs, rst := <-s, <-st
	out.submit, out.status, out.created = rs.m, rst.m, rs.created
	return out, ctx.Err()
}

func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Println("server:", err)
		}
	}()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// gauge counts a server's requests in flight and its 201 answers to POSTs.
type gauge struct {
	inflight atomic.Int64
	created  atomic.Int64
	mu       sync.Mutex
	other    map[int]int // other answers to POSTs, by status
}

func (g *gauge) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.inflight.Add(1)
		defer g.inflight.Add(-1)
		rec := &codeWriter{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if r.Method == http.MethodPost {
			if rec.code == http.StatusCreated {
				g.created.Add(1)
				return
			}
			g.mu.Lock()
			if g.other == nil {
				g.other = map[int]int{}
			}
			g.other[rec.code]++
			g.mu.Unlock()
		}
	})
}

// drain waits until no request is in flight, at most limit.
func (g *gauge) drain(limit time.Duration) {
	end := time.Now().Add(limit)
	for g.inflight.Load() > 0 && time.Now().Before(end) {
		time.Sleep(20 * time.Millisecond)
	}
}

type codeWriter struct {
	http.ResponseWriter
	code int
}

func (c *codeWriter) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *codeWriter) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	return c.ResponseWriter.Write(b)
}

type statusRecorder struct {
	header http.Header
	code   int
}

func (r *statusRecorder) Header() http.Header { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return len(b), nil
}
func (r *statusRecorder) WriteHeader(c int) {
	if r.code == 0 {
		r.code = c
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
