// Package capacity measures the DynamoDB capacity each API operation consumes (infra/bench/meter
// on DynamoDB Local, ReturnConsumedCapacity=INDEXES, transactions at 2x), beside the floor its
// items imply from first principles, and prices a submission all-in with on-demand prices.
package capacity

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/referloop/referloop/infra/bench/benchenv"
	"github.com/referloop/referloop/infra/bench/meter"
	"github.com/referloop/referloop/infra/bench/replay"
	"github.com/referloop/referloop/infra/bench/report"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
)

// On-demand prices, us-east-1, 2026-11-23 (USD).
const (
	PricePerMWrites  = 0.625        // per million write request units
	PricePerMReads   = 0.125        // per million read request units
	PricePerMHTTPAPI = 1.00         // API Gateway HTTP API, per million requests
	PricePerMLambda  = 0.20         // Lambda requests, per million
	PricePerGBSecond = 0.0000133334 // Lambda arm64 duration
	LambdaMemoryMB   = 128
	// A Lambda function gets one vCPU at 1769 MB, proportionally less below.
	fullVCPUMB = 1769
)

// World is what operations prepare their requests with.
type World struct {
	*benchenv.Env
	ReferralIDs    []string
	LastSubmitKey  string
	LastSubmitBody []byte

	handlers map[string]func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
	indexes  map[string][]string // index → key attributes
}

// Submit is a referrer's submit request.
func (w *World) Submit(key string, body []byte) benchenv.Request {
	return benchenv.Request{Method: "POST", Path: "/v1/referrals", Body: body,
		Header: http.Header{"Idempotency-Key": {key}}, Session: &w.Referrer}
}

// Do sends r through its function's Lambda entry point, its DynamoDB calls labelled label.
func (w *World) Do(ctx context.Context, label string, r benchenv.Request) (int, []byte, error) {
	fn, err := w.FunctionOf(r.Method, r.Path)
	if err != nil {
		return 0, nil, err
	}
	h := w.handlers[fn]
	if h == nil {
		return 0, nil, fmt.Errorf("no handler for function %s", fn)
	}
	resp, err := h(meter.WithOperation(ctx, label), r.Event(w.RouteKey(r.Method, r.Path)))
	return resp.StatusCode, []byte(resp.Body), err
}

// IndexesHolding names the indexes whose key attributes the item a call wrote carries.
func (w *World) IndexesHolding(c meter.Call) []string {
	attrs := map[string]bool{}
	if in, ok := c.Input.(*dynamodb.PutItemInput); ok {
		for k := range in.Item {
			attrs[k] = true
		}
	}
	var out []string
	for name, keys := range w.indexes {
		all := true
		for _, k := range keys {
			if !attrs[k] {
				all = false
			}
		}
		if all {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// isSession says whether a call is the session check every authenticated request makes.
func isSession(c meter.Call) bool {
	return c.API == "GetItem" && strings.HasSuffix(c.Target, "/SESSION#…")
}

// Run measures every operation of Operations and the cost of a submission.
func Run(ctx context.Context) (report.Part, error) {
	p := report.Part{Name: "capacity", Title: "2. Capacity units and cost", Machine: report.Machine()}
	env, err := benchenv.Open(ctx, "capacity")
	if err != nil {
		return p, err
	}
	defer env.Close()
	if err := env.Warm(ctx, 100); err != nil {
		return p, err
	}
	m := meter.New()
	if err := m.Calibrate(ctx, env.DB, env.Table); err != nil {
		return p, err
	}
	w := &World{Env: env, indexes: map[string][]string{}}
	if in, err := env.Template.CreateTableInput("x"); err == nil {
		for _, g := range in.GlobalSecondaryIndexes {
			for _, k := range g.KeySchema {
				w.indexes[*g.IndexName] = append(w.indexes[*g.IndexName], *k.AttributeName)
			}
		}
	}
	if w.ReferralIDs, err = env.ReferralIDs(ctx); err != nil {
		return p, err
	}
	w.handlers = handlers(env, env.Deps(env.Client(m.Option())))

	var failed []string
	var sessionUnits []float64
	var detail strings.Builder
	detail.WriteString("<details><summary>Every DynamoDB call of every operation</summary>\n\n| operation | call | units | item bytes |\n|---|---|---|---|\n")
	own := map[string][]meter.Call{}
	for _, op := range Operations {
		req, err := op.Prepare(ctx, w)
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", op.Name, err))
			continue
		}
		status, body, err := w.Do(ctx, op.Name, req)
		if err != nil || status != op.Want {
			failed = append(failed, fmt.Sprintf("%s answered %d, want %d: %v %s", op.Name, status, op.Want, err, trim(body)))
			continue
		}
		calls := m.Of(op.Name)
		var mine []meter.Call
		for _, c := range calls {
			if isSession(c) {
				sessionUnits = append(sessionUnits, c.Units.Read)
			} else {
				mine = append(mine, c)
			}
			est := ""
			if c.Estimated {
				est = " (estimated: " + c.Failed + ")"
			}
			fmt.Fprintf(&detail, "| %s | %s %s%s | %s | %d |\n", op.Name, c.API, c.Target, est, units(c), c.Bytes)
		}
		own[op.Name] = mine
		p.Rows = append(p.Rows, rows(op, mine, w, body)...)
	}
	detail.WriteString("\nThe session check (`GetItem T#…/SESSION#…`) is listed but counted apart from each operation's own units.\n</details>\n")

	if len(sessionUnits) > 0 {
		v := report.Median(sessionUnits)
		p.Rows = append(p.Rows, report.NewRow("session check (every authenticated request)", v, 0.5, "RCU",
			"one eventually consistent GetItem of a small item",
			fmt.Sprintf("the GetItem that checks the session is not revoked, seen in %d authenticated operations; not in their rows above.", len(sessionUnits))).
			WithDecimals(1))
	}

	costRows, notes, err := submitCost(ctx, env, own["submit"], sessionUnits, w)
	if err != nil {
		failed = append(failed, "cost: "+err.Error())
	}
	p.Rows = append(p.Rows, costRows...)
	p.Notes = append(p.Notes, notes...)
	p.Notes = append(p.Notes,
		fmt.Sprintf("Measured with infra/bench/meter (ReturnConsumedCapacity=INDEXES) on DynamoDB Local; transactions counted at 2× (calibrated: this DynamoDB Local reports them at %g× the factor, and under-reports transactions of several similar items, so the meter costs them item by item).", m.TransactionFactor),
		"A failed conditional write (the retried submit) is billed but reported by no one: the meter estimates it from the stored item's size (at least 1 WCU), as DynamoDB documents.",
		"Each operation is sent once through its function's Lambda entry point (lambdahttp.Handler, v2 event), on a fresh table with the demo practice (infra/seed).")
	p.Detail = detail.String()
	if len(failed) > 0 {
		return p, fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	return p, nil
}

func handlers(env *benchenv.Env, d *httpapi.Deps) map[string]func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	out := map[string]func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error){}
	for _, f := range env.Template.Functions {
		if len(f.Routes) == 0 {
			continue
		}
		h, _, err := env.API(f.Name, d)
		if err != nil {
			continue
		}
		out[f.Name] = lambdahttp.Handler(h)
	}
	return out
}

// rows are an operation's figures: its own writes and reads beside their floors.
func rows(op Operation, mine []meter.Call, w *World, body []byte) []report.Row {
	got := meter.Sum(mine)
	floor, why := op.Floor(mine, w)
	items := 0
	per := ""
	if op.PerItem {
		for _, c := range mine {
			if c.API == "Query" {
				items += c.Items
			}
		}
		if items > 0 {
			got.Read /= float64(items)
			floor.Read /= float64(items)
			per = fmt.Sprintf(" per referral (%d listed)", items)
		}
	}
	var out []report.Row
	if got.Write > 0 || floor.Write > 0 {
		r := report.NewRow(op.Name+": write units", got.Write, floor.Write, "WCU", why, describe(mine, true))
		if op.Budget != nil && strings.Contains(op.Budget.Text, "WCU") {
			r = r.WithBudget(op.Budget.Text, op.Budget.Met(got))
		}
		if got.Write > floor.Write {
			r = r.WithNote(extra(mine, true, w))
		}
		out = append(out, r)
	}
	if got.Read > 0 || floor.Read > 0 {
		r := report.NewRow(op.Name+": read units"+per+", session check excluded", got.Read, floor.Read, "RCU", why, describe(mine, false))
		if op.Budget != nil && strings.Contains(op.Budget.Text, "RCU") {
			r = r.WithBudget(op.Budget.Text, op.Budget.Met(got))
		}
		if got.Read > floor.Read {
			r = r.WithNote(extra(mine, false, w))
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		out = append(out, report.NewRow(op.Name+": units", 0, 0, "RCU", why, describe(mine, false)))
	}
	return out
}

// extra names the calls beyond the floor's one.
func extra(mine []meter.Call, writes bool, w *World) string {
	var parts []string
	for _, c := range mine {
		u := c.Units.Read
		if writes {
			u = c.Units.Write
		}
		if u == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("`%s %s` %g", c.API, c.Target, u))
	}
	kind := "reads"
	if writes {
		kind = "writes"
	}
	return "Beyond the floor's one item: the " + kind + " are " + strings.Join(parts, ", ") + "."
}

// describe lists an operation's write (or read) calls briefly: "`PutItem T#…/R#…` 2 WCU (table 1 +
// GSI1 1)".
func describe(calls []meter.Call, writes bool) string {
	var parts []string
	for _, c := range calls {
		u := c.Units.Read
		if writes {
			u = c.Units.Write
		}
		if u > 0 {
			parts = append(parts, fmt.Sprintf("`%s %s` %s", c.API, c.Target, units(c)))
		}
	}
	kind := "Reads"
	if writes {
		kind = "Writes"
	}
	if len(parts) == 0 {
		return kind + ": none."
	}
	return kind + " (session check excluded): " + strings.Join(parts, "; ") + "."
}

func units(c meter.Call) string {
	var s []string
	if c.Units.Read > 0 {
		s = append(s, fmt.Sprintf("%g RCU", c.Units.Read))
	}
	if c.Units.Write > 0 {
		w := fmt.Sprintf("%g WCU", c.Units.Write)
		if len(c.Indexes) > 0 {
			var ix []string
			for name, u := range c.Indexes {
				ix = append(ix, fmt.Sprintf("%s %g", name, u.Write))
			}
			sort.Strings(ix)
			w += fmt.Sprintf(" (table %g + %s)", c.TableUnits.Write, strings.Join(ix, " + "))
		}
		s = append(s, w)
	}
	if len(s) == 0 {
		return "0"
	}
	out := strings.Join(s, " + ")
	if c.Estimated {
		out += ", estimated"
	}
	return out
}

// submitCost prices a million submissions: capacity at on-demand prices, the HTTP API, and Lambda
// arm64 at 128 MB for the measured warm duration of a submit through the Lambda adapter. The floor
// is the same sum at the floor's units, one minimal session read, and the duration of the submit's
// raw DynamoDB calls issued alone (interleaved with the handler, same run).
func submitCost(ctx context.Context, env *benchenv.Env, mine []meter.Call, sessionUnits []float64, w *World) ([]report.Row, []string, error) {
	if len(mine) == 0 {
		return nil, nil, fmt.Errorf("no submit was measured")
	}
	// Learn the submit's calls (session check included) from a metered run, then time the handler
	// on a plain client against those calls replayed alone.
	m := meter.New()
	rec := handlers(env, env.Deps(env.Client(m.Option())))
	plain := handlers(env, env.Deps(env.DB))
	fn, err := env.FunctionOf("POST", "/v1/referrals")
	if err != nil {
		return nil, nil, err
	}
	routeKey := env.RouteKey("POST", "/v1/referrals")
	ev := func(i int) events.APIGatewayV2HTTPRequest {
		return w.Submit(benchenv.NewKey(), benchenv.SubmitBody(i)).Event(routeKey)
	}
	if resp, err := rec[fn](meter.WithOperation(ctx, "learn"), ev(0)); err != nil || resp.StatusCode != http.StatusCreated {
		return nil, nil, fmt.Errorf("submit answered %d: %v", resp.StatusCode, err)
	}
	plan, err := replay.FromCalls(m.Of("learn"))
	if err != nil {
		return nil, nil, err
	}
	const warm, n = 50, 300
	var handlerMs, rawMs []float64
	var cpu time.Duration
	for i := 0; i < warm+n; i++ {
		e := ev(i)
		t0 := time.Now()
		c0 := cpuTime()
		resp, err := plain[fn](ctx, e)
		c1 := cpuTime()
		t1 := time.Now()
		if err != nil || resp.StatusCode != http.StatusCreated {
			return nil, nil, fmt.Errorf("submit %d answered %d: %v", i, resp.StatusCode, err)
		}
		if err := plan.Run(ctx, env.DB, i); err != nil {
			return nil, nil, err
		}
		t2 := time.Now()
		if i >= warm {
			handlerMs = append(handlerMs, ms(t1.Sub(t0)))
			rawMs = append(rawMs, ms(t2.Sub(t1)))
			cpu += c1 - c0
		}
	}
	dur, rawDur := report.Median(handlerMs), report.Median(rawMs)
	cpuMs := ms(cpu) / n

	got := meter.Sum(mine)
	sess := 0.0
	if len(sessionUnits) > 0 {
		sess = report.Median(sessionUnits)
	}
	floorUnits, _ := Operations[0].Floor(mine, w)
	cost := func(u meter.Units, session, durMs float64) float64 {
		billed := math.Max(1, math.Ceil(durMs))
		return u.Write*PricePerMWrites + (u.Read+session)*PricePerMReads + PricePerMHTTPAPI + PricePerMLambda +
			billed/1000*LambdaMemoryMB/1024*PricePerGBSecond*1e6
	}
	total, floor := cost(got, sess, dur), cost(floorUnits, 0.5, rawDur)
	cpuShare := float64(LambdaMemoryMB) / fullVCPUMB
	slowDur := dur - cpuMs + cpuMs/cpuShare
	slow := cost(got, sess, slowDur)

	billed := math.Max(1, math.Ceil(dur))
	durCost := billed / 1000 * LambdaMemoryMB / 1024 * PricePerGBSecond * 1e6
	why := ""
	if total > 2.5 {
		fixed := floorUnits.Write*PricePerMWrites + PricePerMHTTPAPI + PricePerMLambda
		why = fmt.Sprintf("Over by $%.3f. The writes the design must make (%g WCU, $%.3f) plus the per-request prices of the HTTP API and Lambda come to $%.3f, "+
			"which leaves $%.3f for everything else; the session check's read ($%.4f), the submit's own reads (%g RCU, $%.4f) and %g ms of duration ($%.4f) take $%.3f.",
			total-2.5, floorUnits.Write, floorUnits.Write*PricePerMWrites, fixed, 2.5-fixed, sess*PricePerMReads, got.Read, got.Read*PricePerMReads,
			billed, durCost, total-fixed)
		if floor > 2.5 {
			why += fmt.Sprintf(" Even the floor ($%.3f) is over: at these prices the budget allows no session read on top of 2 WCU.", floor)
		}
	}
	rows := []report.Row{
		report.NewRow("submit: warm duration through the Lambda adapter", dur, rawDur, "ms", "its DynamoDB calls issued alone",
			fmt.Sprintf("median of %d submits (after %d warm-up), lambdahttp.Handler fed a v2 event, DynamoDB Local on loopback, interleaved with the floor. Calls: %s.", n, warm, plan.Calls)).WithDecimals(2),
		report.NewRow("all-in cost per million submissions", total, floor, "$", "the same prices at the floor's units and duration",
			fmt.Sprintf("%g WCU × $%.3f + (%g + %g session) RCU × $%.3f + HTTP API $%.2f + Lambda requests $%.2f + %g ms billed × 128 MB × $%.10f/GB-s, per million.",
				got.Write, PricePerMWrites, got.Read, sess, PricePerMReads, PricePerMHTTPAPI, PricePerMLambda, math.Max(1, math.Ceil(dur)), PricePerGBSecond)).
			WithBudget("≤ $2.50", total <= 2.5).WithDecimals(3).WithNote(why),
	}
	notes := []string{fmt.Sprintf("Lambda at 128 MB has about %.0f%% of a vCPU; this run's submit used %.2f ms of CPU (this process only, DynamoDB Local excluded). "+
		"If all of it ran at that share, a submit would take about %.1f ms and a million would cost $%.3f (%s the $2.50 budget). Capacity dominates either way: writes are $%.3f of it.",
		cpuShare*100, cpuMs, slowDur, slow, map[bool]string{true: "within", false: "over"}[slow <= 2.5], got.Write*PricePerMWrites)}
	return rows, notes, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func trim(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
