// Package coldstart measures the cold start of every API function's real bootstrap: built as the
// release build builds it (for this machine's architecture), started many times against a fake
// Lambda Runtime API on loopback, timed from exec to its first GET /next (its whole init), and
// then through its first invocation. The floor is a bare aws-lambda-go hello built the same way
// and started in the same rounds. It also reports each linux/arm64 bootstrap's size.
package coldstart

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/infra/bench/benchenv"
	"github.com/referloop/referloop/infra/bench/report"
	"github.com/referloop/referloop/infra/template"
	"github.com/referloop/referloop/pkg/store"
)

// ReleaseFlags are the release build's flags (the Makefile's GOBUILD, with CGO_ENABLED=0 and
// GOOS=linux): a test holds them to the Makefile.
var ReleaseFlags = []string{"-trimpath", "-ldflags", "-s -w", "-tags", "lambda.norpc"}

// HelloPkg is the floor function, a package of the bench module (ModuleDir), not of the product's.
const HelloPkg = "./coldstart/hello"

// ModuleDir is the bench module's folder under the project root: HelloPkg is relative to it.
func ModuleDir(root string) string { return filepath.Join(root, "infra", "bench") }

// Build builds the main packages pkgs (paths relative to root, all of root's module) for
// linux/goarch with the release flags into dir, one binary per package named after its folder,
// and returns name → path.
func Build(ctx context.Context, root, goarch, dir string, pkgs ...string) (map[string]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := append([]string{"build"}, ReleaseFlags...)
	args = append(args, "-o", dir+string(filepath.Separator))
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go %s (GOARCH=%s): %v\n%s", strings.Join(args, " "), goarch, err, out)
	}
	bins := map[string]string{}
	for _, p := range pkgs {
		name := filepath.Base(p)
		bins[name] = filepath.Join(dir, name)
		if _, err := os.Stat(bins[name]); err != nil {
			return nil, fmt.Errorf("go build wrote no %s: %w", bins[name], err)
		}
	}
	return bins, nil
}

// buildAll builds the functions fnPkgs (of the product module at root) and the floor HelloPkg (of
// the bench module) for goarch into dir.
func buildAll(ctx context.Context, root, goarch, dir string, fnPkgs []string) (map[string]string, error) {
	bins, err := Build(ctx, root, goarch, dir, fnPkgs...)
	if err != nil {
		return nil, err
	}
	hello, err := Build(ctx, ModuleDir(root), goarch, dir, HelloPkg)
	if err != nil {
		return nil, err
	}
	for name, path := range hello {
		bins[name] = path
	}
	return bins, nil
}

// FunctionPkgs lists the template's functions that have a main package: name → ./functions/name.
func FunctionPkgs(root string, t *template.Template) map[string]string {
	out := map[string]string{}
	for _, f := range t.Functions {
		if _, err := os.Stat(filepath.Join(root, f.Dir, "main.go")); err == nil {
			out[f.Name] = "./" + f.Dir
		}
	}
	return out
}

// LambdaEnv is the environment Lambda gives a function of template.yaml (provided.al2023, arm64,
// 128 MB), with the table, signing key and DynamoDB endpoint given. An empty key leaves the key
// to the stack's Secrets Manager secret (SIGNING_KEY_SECRET), as in AWS.
func LambdaEnv(name, table, endpoint string, key []byte) []string {
	env := []string{
		"AWS_LAMBDA_FUNCTION_NAME=referloop-" + name, "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/referloop-" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/11/23/[$LATEST]bench", "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023", "_HANDLER=bootstrap", "LAMBDA_TASK_ROOT=/var/task",
		"LAMBDA_RUNTIME_DIR=/var/runtime", "TZ=:UTC", "LANG=en_US.UTF-8",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=ASIABENCHBENCHBENCH0", "AWS_SECRET_ACCESS_KEY=bench/bench/bench/bench/bench/bench/bench0",
		"AWS_SESSION_TOKEN=bench", "AWS_XRAY_CONTEXT_MISSING=LOG_ERROR", "AWS_XRAY_DAEMON_ADDRESS=169.254.79.129:2000",
		// template.yaml's Globals.Environment
		"TABLE_NAME=" + table, "AUDIT_TABLE_NAME=" + store.AuditTableFor(table), "SIGNING_KEY_SECRET=arn:aws:secretsmanager:us-east-1:123456789012:secret:SigningKeySecret-AbCdEf",
		"SENDER_EMAIL=no-reply@referloop.example", "PORTAL_ORIGIN=https://app.referloop.example",
		"SMS_COUNTRIES=US,CA", "SMS_PER_PRACTICE_MONTH=1000", "SMS_PER_MONTH=20000",
	}
	if endpoint != "" {
		env = append(env, "DYNAMODB_ENDPOINT="+endpoint)
	}
	if len(key) > 0 {
		env = append(env, "SIGNING_KEY="+base64.StdEncoding.EncodeToString(key))
	}
	return env
}

// Options tune a run.
type Options struct {
	Rounds int // launches of each bootstrap
}

type sample struct {
	toNext, first, warm []float64      // ms
	status              map[string]int // outcome of the first invocation → count
	output              string
}

// Run measures the cold starts and returns the part's figures.
func Run(ctx context.Context, o Options) (report.Part, error) {
	p := report.Part{Name: "coldstart", Title: "1. Cold start", Machine: report.Machine()}
	if o.Rounds <= 0 {
		o.Rounds = 50
	}
	env, err := benchenv.Open(ctx, "coldstart")
	if err != nil {
		return p, err
	}
	defer env.Close()
	if err := env.Warm(ctx, 300); err != nil {
		return p, err
	}
	fnPkgs := FunctionPkgs(env.Root, env.Template)
	var names, pkgs []string
	for n := range fnPkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		pkgs = append(pkgs, fnPkgs[n])
	}
	dir := filepath.Join(report.Dir(env.Root), "coldstart")
	host, err := buildAll(ctx, env.Root, runtime.GOARCH, filepath.Join(dir, runtime.GOARCH), pkgs)
	if err != nil {
		return p, err
	}
	arm, err := buildAll(ctx, env.Root, "arm64", filepath.Join(dir, "arm64"), pkgs)
	if err != nil {
		return p, err
	}

	rt, err := NewRuntime()
	if err != nil {
		return p, err
	}
	defer rt.Close()
	mkEvents := func(name string) ([][]byte, error) {
		c, as, _ := eventFor(env.Root, name)
		if c == "" {
			return nil, nil
		}
		var out [][]byte
		for i := 0; i < 2; i++ {
			b, err := Event(ctx, env, c, as)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
		return out, nil
	}
	all := append(append([]string(nil), names...), "hello")
	samples := map[string]*sample{}
	for _, n := range all {
		samples[n] = &sample{status: map[string]int{}}
	}
	launch := func(name string, keep bool) error {
		evs, err := mkEvents(name)
		if err != nil {
			return err
		}
		l, err := rt.Start(ctx, host[name], LambdaEnv(name, env.Table, env.Endpoint, env.Key), evs, 20*time.Second)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if !keep {
			return nil
		}
		s := samples[name]
		s.toNext = append(s.toNext, ms(l.ToNext))
		if len(l.Invocations) == 2 {
			s.first = append(s.first, ms(l.Invocations[0].RoundTrip))
			s.warm = append(s.warm, ms(l.Invocations[1].RoundTrip))
			_, _, want := eventFor(env.Root, name)
			s.status[outcome(l.Invocations[0], want)]++
		}
		s.output = l.Output
		return nil
	}
	// Warm the page cache and DynamoDB Local's paths; then rounds, each in a new random order, so
	// the machine's noise falls on every bootstrap alike.
	for i := 0; i < 3; i++ {
		for _, n := range all {
			if err := launch(n, false); err != nil {
				return p, err
			}
		}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for r := 0; r < o.Rounds; r++ {
		order := append([]string(nil), all...)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, n := range order {
			if err := launch(n, true); err != nil {
				return p, err
			}
		}
	}
	// Package init, from GODEBUG=inittrace=1: the median of a few launches per bootstrap.
	inits := map[string]initTrace{}
	for _, n := range all {
		var traces []initTrace
		for i := 0; i < initTraces; i++ {
			evs, err := mkEvents(n)
			if err != nil {
				return p, err
			}
			if len(evs) > 1 {
				evs = evs[:1]
			}
			l, err := rt.Start(ctx, host[n], append(LambdaEnv(n, env.Table, env.Endpoint, env.Key), "GODEBUG=inittrace=1"), evs, 20*time.Second)
			if err != nil {
				return p, fmt.Errorf("%s with inittrace: %w", n, err)
			}
			traces = append(traces, parseInitTrace(l.Output))
		}
		inits[n] = medianTrace(traces)
	}

	hello := samples["hello"]
	floor := report.Median(hello.toNext)
	for _, n := range names {
		s := samples[n]
		med := report.Median(s.toNext)
		met := med <= floor+1
		row := report.NewRow("cold start "+n+": exec → first /next", med, floor, "ms", "bare aws-lambda-go hello",
			fmt.Sprintf("median of %d launches (p25–p75 %.2f–%.2f ms; hello %.2f–%.2f ms).", len(s.toNext),
				report.Quantile(s.toNext, .25), report.Quantile(s.toNext, .75), report.Quantile(hello.toNext, .25), report.Quantile(hello.toNext, .75))).
			WithBudget("≤ floor + 1 ms at the median", met).WithDecimals(2)
		if !met {
			row = row.WithNote(fmt.Sprintf("%.2f ms over the floor + 1 ms. Package init takes %.2f ms against hello's %.2f ms; the largest: %s.",
				med-floor-1, inits[n].total, inits["hello"].total, inits[n].top(3)))
		}
		p.Rows = append(p.Rows, row)
	}
	for _, n := range all {
		s := samples[n]
		c, as, _ := eventFor(env.Root, n)
		if c == "" {
			p.Notes = append(p.Notes, fmt.Sprintf("%s: no representative event (coldstart.Representative, events/), so its first invocation is not measured.", n))
			continue
		}
		ev, _ := Event(ctx, env, c, as)
		what := routeOf(ev)
		if what == "" {
			what = "events/" + c + ".json"
		}
		first, warm := report.Median(s.first), report.Median(s.warm)
		row := report.NewRow(fmt.Sprintf("first invocation %s: %s", n, what), first, warm, "ms", "the second invocation of the same process",
			fmt.Sprintf("median of %d; from the event handed out at GET /next to the response POST; DynamoDB Local on loopback; events/%s.json.",
				o.Rounds, c)).WithDecimals(2)
		if bad := badOutcomes(s.status); bad != "" {
			row = row.WithNote("Unexpected answers: " + bad + ".")
		}
		p.Rows = append(p.Rows, row)
	}
	helloSize := size(arm["hello"])
	for _, n := range names {
		mib := size(arm[n])
		p.Rows = append(p.Rows, report.NewRow("bootstrap size "+n+" (linux/arm64)", mib, helloSize, "MiB", "hello, same build",
			"the release build for linux/arm64, as `make build` makes it.").WithBudget("≤ 10 MiB", mib <= 10).WithDecimals(2))
	}

	// Detail: spread of every sample set and the package inits that cost most.
	var d strings.Builder
	d.WriteString("<details><summary>Spread of the samples (ms) and package init</summary>\n\n")
	d.WriteString("| bootstrap | exec → /next p25 / median / p75 | first invocation p25 / median / p75 | second invocation median | package init (clock) | largest inits |\n|---|---|---|---|---|---|\n")
	for _, n := range all {
		s := samples[n]
		first, warm := "—", "—"
		if len(s.first) > 0 {
			first = fmt.Sprintf("%.2f / %.2f / %.2f", report.Quantile(s.first, .25), report.Median(s.first), report.Quantile(s.first, .75))
			warm = fmt.Sprintf("%.2f", report.Median(s.warm))
		}
		fmt.Fprintf(&d, "| %s | %.2f / %.2f / %.2f | %s | %s | %.2f ms | %s |\n", n,
			report.Quantile(s.toNext, .25), report.Median(s.toNext), report.Quantile(s.toNext, .75), first, warm,
			inits[n].total, inits[n].top(3))
	}
	d.WriteString(fmt.Sprintf("\nPackage init from `GODEBUG=inittrace=1`, the median of %d launches each. In AWS", initTraces) + ", the first request of a function that " +
		"verifies sessions also fetches the signing keys from Secrets Manager (not measured here: the bench sets SIGNING_KEY).\n</details>\n")
	p.Detail = d.String()
	p.Notes = append(p.Notes,
		fmt.Sprintf("Each function's real bootstrap, built like the release build but for this machine (linux/%s, CGO_ENABLED=0, `-trimpath -ldflags \"-s -w\" -tags lambda.norpc`), "+
			"started by a fake Lambda Runtime API on loopback with Lambda's environment (128 MB, the template's variables): %d rounds, each starting every bootstrap and the floor "+
			"once in a new random order, so the machine's noise falls on all alike. Exec → first GET /next is the whole init; the first invocation is then timed from the event handed out to its response.",
			runtime.GOARCH, o.Rounds),
		"The functions' DynamoDB endpoint is DynamoDB Local for the invocations. `TestInitMakesNoNetworkCall` (infra/bench/coldstart, part of `make test`) starts every bootstrap "+
			"with DynamoDB, Secrets Manager and SES unreachable (a listener that accepts and never answers) and checks each reaches /next with no connection attempted.")
	if err := writeBenchstat(filepath.Join(report.Dir(env.Root), "coldstart.bench.txt"), all, samples); err != nil {
		return p, err
	}
	return p, nil
}

// Representative names the event each function's cold start is measured with: a case of events/
// (events/<function>.<case>.json), who its {{session}} stands for ("" for none), and the HTTP status
// it answers (0 for a function that is not behind the HTTP API: any answer but a function error).
// A function without an entry (or whose file is missing) is measured from exec to /next only. Add a
// line when a function gets its events.
var Representative = map[string]struct {
	Case, As string
	Want     int
}{
	"auth":      {"auth.me", "owner", 200},
	"practice":  {"practice.get-profile", "owner", 200},
	"submit":    {"submit.create", "referrer", 201},
	"referrals": {"referrals.get", "referrer", 200},
	"pipeline":  {"pipeline.queue", "owner", 200},
	// A code that does not exist: the lookup's whole path (rate counter, code marker) without
	// minting a patient code here.
	"status": {"status.lookup-wrong", "", 404},
	"rollup": {"rollup.schedule", "", 0},
	// notifier: its events send email and text through SES and SNS, which cannot be reached here.
}

// Event reads events/<case>.json and fills its placeholders (events/README.md): a live session of
// as and its CSRF token, a fresh Idempotency-Key, the demo referrer's newest referral, the demo's
// first partner, a fresh sign-in link token of the demo referrer.
func Event(ctx context.Context, env *benchenv.Env, name, as string) ([]byte, error) {
	raw, err := os.ReadFile(filepath.Join(env.Root, "events", name+".json"))
	if err != nil {
		return nil, err
	}
	sess := env.Referrer
	if as == "owner" {
		sess = env.Owner
	}
	r := []string{"{{session}}", sess.Token, "{{csrf}}", sess.CSRF, "{{idempotencyKey}}", benchenv.NewKey(),
		"{{partnerId}}", env.Demo.PartnerIDs[0], "{{tenantId}}", env.Demo.TenantID, "{{referrerId}}", env.Demo.Referrer.ID}
	if strings.Contains(string(raw), "{{referralId}}") {
		ids, err := env.ReferralIDs(ctx)
		if err != nil {
			return nil, err
		}
		r = append(r, "{{referralId}}", ids[0])
	}
	if strings.Contains(string(raw), "{{token}}") {
		token, err := env.SignInToken(ctx)
		if err != nil {
			return nil, err
		}
		r = append(r, "{{token}}", token)
	}
	out := []byte(strings.NewReplacer(r...).Replace(string(raw)))
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(out, &ev); err != nil {
		return nil, fmt.Errorf("events/%s.json: %w", name, err)
	}
	if ev.RequestContext.HTTP.Method != "" {
		// A caller address of its own per event, so per-address rate limits (sign-in, status
		// lookups) see many callers, as they would in AWS, not one bench.
		n := sourceSeq.Add(1)
		ip := fmt.Sprintf("198.%d.%d.%d", 18+n/65025%2, n/255%255, n%255+1)
		ev.RequestContext.HTTP.SourceIP = ip
		if _, ok := ev.Headers["x-forwarded-for"]; ok {
			ev.Headers["x-forwarded-for"] = ip
		}
		return json.Marshal(ev)
	}
	return out, nil
}

var sourceSeq atomic.Int64

// eventFor returns the representative event's case for a function ("" if it has none), who its
// session is, and the status it answers.
func eventFor(root, fn string) (string, string, int) {
	want := -1
	if fn == "hello" {
		fn, want = "submit", 200
	}
	rep, ok := Representative[fn]
	if !ok {
		return "", "", 0
	}
	if _, err := os.Stat(filepath.Join(root, "events", rep.Case+".json")); err != nil {
		return "", "", 0
	}
	if want < 0 {
		want = rep.Want
	}
	return rep.Case, rep.As, want
}

func routeOf(ev []byte) string {
	var e events.APIGatewayV2HTTPRequest
	_ = json.Unmarshal(ev, &e)
	return e.RouteKey
}

func statusOf(inv Invocation) int {
	if inv.Error {
		return -1
	}
	var r events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(inv.Response, &r); err != nil {
		return -2
	}
	return r.StatusCode
}

// outcome is "ok" when an invocation answered as its event should, else what it answered.
func outcome(inv Invocation, want int) string {
	if inv.Error {
		return "function error: " + tail(string(inv.Response))
	}
	if want == 0 {
		return "ok"
	}
	if got := statusOf(inv); got != want {
		return fmt.Sprintf("status %d (want %d)", got, want)
	}
	return "ok"
}

func badOutcomes(m map[string]int) string {
	var out []string
	for o, n := range m {
		if o != "ok" {
			out = append(out, fmt.Sprintf("%s ×%d", o, n))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func size(path string) float64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return float64(st.Size()) / (1 << 20)
}

// initTrace sums GODEBUG=inittrace=1 lines: "init pkg @0.1 ms, 0.2 ms clock, 100 bytes, 2 allocs".
type initTrace struct {
	total float64
	pkgs  map[string]float64
}

var initLine = regexp.MustCompile(`^init (\S+) @[\d.]+ ms, ([\d.]+) ms clock`)

func parseInitTrace(out string) initTrace {
	t := initTrace{pkgs: map[string]float64{}}
	for _, line := range strings.Split(out, "\n") {
		m := initLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		t.total += v
		t.pkgs[m[1]] += v
	}
	return t
}

// initTraces is how many launches with GODEBUG=inittrace=1 each bootstrap gets.
const initTraces = 5

// medianTrace is, package by package, the median of traces.
func medianTrace(traces []initTrace) initTrace {
	out := initTrace{pkgs: map[string]float64{}}
	var totals []float64
	vals := map[string][]float64{}
	for _, t := range traces {
		totals = append(totals, t.total)
		for k, v := range t.pkgs {
			vals[k] = append(vals[k], v)
		}
	}
	out.total = report.Median(totals)
	for k, vs := range vals {
		for len(vs) < len(traces) {
			vs = append(vs, 0)
		}
		out.pkgs[k] = report.Median(vs)
	}
	return out
}

func (t initTrace) top(n int) string {
	type kv struct {
		k string
		v float64
	}
	var all []kv
	for k, v := range t.pkgs {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v })
	var out []string
	for i := 0; i < n && i < len(all); i++ {
		out = append(out, fmt.Sprintf("%s %.2f ms", all[i].k, all[i].v))
	}
	return strings.Join(out, ", ")
}

// writeBenchstat writes the samples in Go's benchmark format, the floor first, for
// `benchstat -col /fn bin/bench/coldstart.bench.txt`.
func writeBenchstat(path string, order []string, samples map[string]*sample) error {
	var b strings.Builder
	fmt.Fprintf(&b, "goos: linux\ngoarch: %s\npkg: github.com/referloop/referloop/infra/bench/coldstart\n", runtime.GOARCH)
	names := append([]string{"hello"}, order...)
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		s := samples[n]
		for _, v := range s.toNext {
			fmt.Fprintf(&b, "BenchmarkColdStart/phase=init/fn=%s 1 %.0f ns/op\n", n, v*1e6)
		}
		for _, v := range s.first {
			fmt.Fprintf(&b, "BenchmarkColdStart/phase=first-invocation/fn=%s 1 %.0f ns/op\n", n, v*1e6)
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
