package lambdaevents_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"gopkg.in/yaml.v3"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/infra/localserver"
	"github.com/referloop/referloop/infra/policy"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/notifier"
	"github.com/referloop/referloop/pkg/rollup"
)

// functionDirs lists the folders under functions/.
func functionDirs(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	sort.Strings(dirs)
	return dirs
}

// TestFunctionsMatchTemplate: every folder under functions/ is a function of template.yaml whose
// CodeUri points at it, and every function of the template has a folder with a main.go.
func TestFunctionsMatchTemplate(t *testing.T) {
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	tpl := loadTemplate(t)
	byDir := map[string]string{}
	for _, f := range tpl.Functions {
		if prev, ok := byDir[f.Dir]; ok {
			t.Errorf("%s and %s share CodeUri %s/", prev, f.LogicalID, f.Dir)
		}
		byDir[f.Dir] = f.LogicalID
		if !strings.HasPrefix(f.Dir, "functions/") || strings.Count(f.Dir, "/") != 1 {
			t.Errorf("%s: CodeUri %q is not functions/<name>/", f.LogicalID, f.Dir)
			continue
		}
		if _, err := os.Stat(filepath.Join(root, f.Dir, "main.go")); err != nil {
			t.Errorf("%s: CodeUri %s/ has no main.go: %v", f.LogicalID, f.Dir, err)
		}
		// The Makefile's build-<LogicalId> target builds ./functions/<lower-case LogicalId without "Function">.
		if want := strings.ToLower(strings.TrimSuffix(f.LogicalID, "Function")); f.Name != want {
			t.Errorf("%s: CodeUri %s/, but `make build-%s` builds ./functions/%s", f.LogicalID, f.Dir, f.LogicalID, want)
		}
	}
	for _, d := range functionDirs(t, root) {
		if _, ok := byDir["functions/"+d]; !ok {
			t.Errorf("functions/%s/ is not the CodeUri of any function in template.yaml", d)
		}
	}
}

// TestFunctionsBuild cross-compiles every function as the release does (linux/arm64, static,
// stripped, lambda.norpc: the Makefile's GOBUILD), in one go build call, and holds each bootstrap to
// the 10 MiB budget (a library that links protobuf, or text/template's reflection keeping every SDK
// operation, once took them to 16-24 MiB unnoticed).
func TestFunctionsBuild(t *testing.T) {
	t.Parallel()
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	dir := t.TempDir()
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags", "-s -w", "-tags", "lambda.norpc", "-o", dir+string(os.PathSeparator), "./functions/...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -tags lambda.norpc ./functions/...: %v\n%s", err, out)
	}
	const budget = 10 << 20
	for _, name := range functionDirs(t, root) {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: no bootstrap built: %v", name, err)
			continue
		}
		t.Logf("%s: %.2f MiB", name, float64(fi.Size())/(1<<20))
		if fi.Size() > budget {
			t.Errorf("%s: the linux/arm64 bootstrap is %d bytes (%.2f MiB), over the 10 MiB budget", name, fi.Size(), float64(fi.Size())/(1<<20))
		}
	}
}

// TestBuildersMatchTemplate: every API function of the template has a builder in httpapi.Builders
// serving exactly its template routes, every builder belongs to a template function, and the
// function's main.go starts that same API.
func TestBuildersMatchTemplate(t *testing.T) {
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	tpl := loadTemplate(t)
	deps := &httpapi.Deps{}
	api := map[string]bool{}
	for _, f := range tpl.Functions {
		if len(f.Routes) == 0 {
			continue
		}
		api[f.Name] = true
		build, ok := httpapi.Builders[f.Name]
		if !ok {
			t.Errorf("%s routes %d HttpApi events to functions/%s, which httpapi.Builders lacks", f.LogicalID, len(f.Routes), f.Name)
			continue
		}
		a := build(deps)
		if err := localserver.SameRoutes(a, f); err != nil {
			t.Error(err)
		}
		if a.Name != f.Name {
			t.Errorf("httpapi.Builders[%q] builds the API named %q", f.Name, a.Name)
		}
		// The Lambda's main.go must start the API the tests exercise.
		fn := runtime.FuncForPC(reflect.ValueOf(build).Pointer()).Name() // …/pkg/httpapi.Submit
		call := "httpapi." + fn[strings.LastIndex(fn, ".")+1:] + "("
		src, err := os.ReadFile(filepath.Join(root, f.Dir, "main.go"))
		if err != nil {
			t.Errorf("%s: %v", f.LogicalID, err)
			continue
		}
		if !strings.Contains(string(src), call) || !strings.Contains(string(src), "lambdahttp.Start(") {
			t.Errorf("%s/main.go does not call lambdahttp.Start with %s…), the API httpapi.Builders[%q] names", f.Dir, call, f.Name)
		}
	}
	for name := range httpapi.Builders {
		if !api[name] {
			t.Errorf("httpapi.Builders[%q] has no function with HttpApi events in template.yaml", name)
		}
	}
}

// eventFunction is a function without HTTP routes: the event source types it consumes (its
// template events' Type) and the handler its main.go hands to lambda.Start, as
// <import path>.<type>.<method>.
type eventFunction struct {
	events           []string
	pkg, typ, method string
}

// eventFunctions lists every function of template.yaml that has no HttpApi events.
var eventFunctions = map[string]eventFunction{
	// The table's stream consumer (a DynamoDB batch in, the records to retry out), which also sends
	// the daily digests on a schedule: Invoke tells the two apart.
	"notifier": {events: []string{"DynamoDB", "ScheduleV2"}, pkg: "github.com/referloop/referloop/pkg/notifier", typ: "Notifier", method: "Invoke"},
	// The metric rollup: an EventBridge Scheduler event in (its content unused), one run.
	"rollup": {events: []string{"ScheduleV2"}, pkg: "github.com/referloop/referloop/pkg/rollup", typ: "Runner", method: "Run"},
	// CSV imports (issue 11): the stream's import chunks in, the records to retry out.
	"importer": {events: []string{"DynamoDB"}, pkg: "github.com/referloop/referloop/pkg/importer", typ: "Importer", method: "Handle"},
}

// The notifier's entry point takes any event; a stream batch goes to Handle, the shape of a
// DynamoDB stream handler that reports partial batch failures (events/notifier.*.json run through
// both).
var (
	_ func(*notifier.Notifier, context.Context, json.RawMessage) (any, error)                               = (*notifier.Notifier).Invoke
	_ func(*notifier.Notifier, context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) = (*notifier.Notifier).Handle
)

// The rollup's run needs nothing from the scheduler's event (events/rollup.schedule.json).
var _ func(*rollup.Runner, context.Context) (rollup.Result, error) = (*rollup.Runner).Run

// TestEventFunctionsMatchTemplate: every function without HttpApi events is a known event consumer
// whose template events are all of its source type, and whose main.go starts the handler the tests
// exercise with lambda.Start (not the HTTP adapter). A DynamoDB consumer reads the template's
// table stream and reports batch item failures, which Lambda ignores unless the event source
// mapping says ReportBatchItemFailures.
func TestEventFunctionsMatchTemplate(t *testing.T) {
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	tpl := loadTemplate(t)
	raw := rawTemplate(t, root)
	seen := map[string]bool{}
	for _, f := range tpl.Functions {
		if len(f.Routes) > 0 {
			continue
		}
		seen[f.Name] = true
		ef, ok := eventFunctions[f.Name]
		if !ok {
			t.Errorf("%s (functions/%s) has no HttpApi events and no entry in eventFunctions: what does it consume? (%v)", f.LogicalID, f.Name, f.Events)
			continue
		}
		if len(f.Events) == 0 {
			t.Errorf("%s has no events at all: nothing invokes it", f.LogicalID)
		}
		for name, typ := range f.Events {
			if !slices.Contains(ef.events, typ) {
				t.Errorf("%s event %s is %s, want one of %v", f.LogicalID, name, typ, ef.events)
			}
			if typ != "DynamoDB" {
				continue
			}
			props := dig(raw, "Resources", f.LogicalID, "Properties", "Events", name, "Properties")
			if got, _ := props["Stream"].(string); got != tpl.TableID+".StreamArn" {
				t.Errorf("%s event %s reads stream %v, want the table's (!GetAtt %s.StreamArn)", f.LogicalID, name, props["Stream"], tpl.TableID)
			}
			types, _ := props["FunctionResponseTypes"].([]any)
			if !slices.Contains(types, any("ReportBatchItemFailures")) {
				t.Errorf("%s event %s lacks FunctionResponseTypes: [ReportBatchItemFailures]; Lambda would ignore the records %s.%s reports",
					f.LogicalID, name, ef.typ, ef.method)
			}
		}
		checkMainStarts(t, filepath.Join(root, f.Dir, "main.go"), ef)
	}
	for name := range eventFunctions {
		if !seen[name] {
			t.Errorf("eventFunctions[%q] is not a function of template.yaml without HttpApi events", name)
		}
		if _, ok := httpapi.Builders[name]; ok {
			t.Errorf("httpapi.Builders has %q, an event function", name)
		}
	}
}

// checkMainStarts checks main.go calls lambda.Start with ef's method on a value of ef's type:
// lambda.Start(v.Handle) with v := &pkg.Type{…}, lambda.Start((&pkg.Type{…}).Handle), or a function
// literal that calls v.Method.
func checkMainStarts(t *testing.T, path string, ef eventFunction) {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	local := map[string]string{} // import path → name in the file
	for _, im := range file.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		local[p] = name
	}
	const lambdaPkg = "github.com/aws/aws-lambda-go/lambda"
	if _, ok := local["github.com/referloop/referloop/pkg/lambdahttp"]; ok {
		t.Errorf("%s imports lambdahttp, the API Gateway adapter, in a %v function", path, ef.events)
	}
	if local[lambdaPkg] == "" || local[ef.pkg] == "" {
		t.Errorf("%s does not import %s and %s", path, lambdaPkg, ef.pkg)
		return
	}
	// isType reports whether e is pkg.Type{…} or &pkg.Type{…}.
	isType := func(e ast.Expr) bool {
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
			e = u.X
		}
		lit, ok := e.(*ast.CompositeLit)
		if !ok {
			return false
		}
		sel, ok := lit.Type.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		id, ok := sel.X.(*ast.Ident)
		return ok && id.Name == local[ef.pkg] && sel.Sel.Name == ef.typ
	}
	typed := map[string]bool{} // variables holding a value of the type
	// method reports whether e is v.Method or (&pkg.Type{…}).Method.
	method := func(e ast.Expr) bool {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != ef.method {
			return false
		}
		recv := sel.X
		if p, ok := recv.(*ast.ParenExpr); ok {
			recv = p.X
		}
		id, isIdent := recv.(*ast.Ident)
		return isType(recv) || isIdent && typed[id.Name]
	}
	// startsMethod reports whether lambda.Start's argument is the method, or a literal calling it.
	startsMethod := func(arg ast.Expr) bool {
		lit, ok := arg.(*ast.FuncLit)
		if !ok {
			return method(arg)
		}
		calls := false
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok && method(c.Fun) {
				calls = true
			}
			return !calls
		})
		return calls
	}
	starts := 0
	ast.Inspect(file, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range x.Lhs {
				if id, ok := lhs.(*ast.Ident); ok && i < len(x.Rhs) && isType(x.Rhs[i]) {
					typed[id.Name] = true
				}
			}
		case *ast.ValueSpec:
			for i, id := range x.Names {
				if i < len(x.Values) && isType(x.Values[i]) {
					typed[id.Name] = true
				}
			}
		case *ast.CallExpr:
			fn, ok := x.Fun.(*ast.SelectorExpr)
			if !ok || fn.Sel.Name != "Start" {
				return true
			}
			if id, ok := fn.X.(*ast.Ident); !ok || id.Name != local[lambdaPkg] {
				return true
			}
			starts++
			if len(x.Args) != 1 || !startsMethod(x.Args[0]) {
				t.Errorf("%s: lambda.Start is not given %s.%s.%s", path, ef.pkg, ef.typ, ef.method)
			}
		}
		return true
	})
	if starts != 1 {
		t.Errorf("%s calls lambda.Start %d times, want once", path, starts)
	}
}

// rawTemplate is template.yaml as plain YAML (short-form tags dropped: !GetAtt A.B reads "A.B").
func rawTemplate(t *testing.T, root string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	return m
}

func dig(m map[string]any, path ...string) map[string]any {
	for _, k := range path {
		m, _ = m[k].(map[string]any)
	}
	return m
}

// TestFunctionsLoadTheirConfiguration: every main.go calls awsenv.Load once at init, and what it
// asks Load to check matches what template.yaml lets the function do: a function that signs
// (awsenv.Signing) may read the signing key's secret, one that mails (awsenv.Mail) may send
// through SES, one with the audit trail (awsenv.Audit) may reach the audit table; and a function
// granted any of them asks Load for it, so a missing setting stops it at init instead of failing
// its first request.
func TestFunctionsLoadTheirConfiguration(t *testing.T) {
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	tpl := loadTemplate(t)
	raw := rawTemplate(t, root)
	pt, _ := policies(t)
	for _, f := range tpl.Functions {
		path := filepath.Join(root, f.Dir, "main.go")
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		loads := 0
		needs := map[string]bool{}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Load" || fmt.Sprint(sel.X) != "awsenv" {
				return true
			}
			loads++
			for _, a := range call.Args {
				if sel, ok := a.(*ast.SelectorExpr); ok {
					needs[sel.Sel.Name] = true
				}
			}
			return true
		})
		if loads != 1 {
			t.Errorf("%s calls awsenv.Load %d times, want once (at init)", path, loads)
			continue
		}
		actions := map[string]bool{}
		policies, _ := dig(raw, "Resources", f.LogicalID, "Properties")["Policies"].([]any)
		for _, p := range policies {
			stmts, _ := p.(map[string]any)["Statement"].([]any)
			for _, s := range stmts {
				switch a := s.(map[string]any)["Action"].(type) {
				case string:
					actions[a] = true
				case []any:
					for _, x := range a {
						actions[fmt.Sprint(x)] = true
					}
				}
			}
		}
		for need, action := range map[string]string{"Signing": "secretsmanager:GetSecretValue", "Mail": "ses:SendEmail"} {
			if needs[need] != actions[action] {
				t.Errorf("%s: awsenv.Load(…awsenv.%s…) is %v, but its template policy grants %s: %v", f.LogicalID, need, needs[need], action, actions[action])
			}
		}
		// awsenv.Audit gives the store the audit table: only for a function its policy lets append
		// to the audit trail or read it.
		audits := false
		for _, g := range policy.DynamoDBGrants(pt.Functions[f.LogicalID]) {
			audits = audits || g.Resource == "arn:AuditTable"
		}
		if needs["Audit"] != audits {
			t.Errorf("%s: awsenv.Load(…awsenv.Audit…) is %v, but its template policy reaches the audit table: %v", f.LogicalID, needs["Audit"], audits)
		}
	}
}

// TestFunctionsStopAtInitWithoutTheirConfiguration runs every function's bootstrap (built for this
// machine) with TABLE_NAME unset, as a template mistake would leave it: each exits non-zero at
// init, before asking the Runtime API for an event, and says which variable is missing.
func TestFunctionsStopAtInitWithoutTheirConfiguration(t *testing.T) {
	t.Parallel()
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin+string(filepath.Separator), "./functions/...")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./functions/...: %v\n%s", err, out)
	}
	for _, name := range functionDirs(t, root) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, filepath.Join(bin, name))
		// A Lambda environment without TABLE_NAME; the Runtime API address leads nowhere.
		cmd.Env = []string{"AWS_REGION=us-east-1", "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9", "SIGNING_KEY_SECRET=referloop/session-signing-key",
			"SENDER_EMAIL=no-reply@referloop.example", "PORTAL_ORIGIN=https://app.referloop.example"}
		out, err := cmd.CombinedOutput()
		timedOut := ctx.Err() != nil
		cancel()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 || timedOut {
			t.Errorf("%s without TABLE_NAME: %v, want a non-zero exit at init\n%s", name, err, out)
			continue
		}
		if line := strings.TrimSpace(string(out)); !strings.Contains(line, name+": configuration: TABLE_NAME is not set") || strings.Count(line, "\n") > 0 {
			t.Errorf("%s without TABLE_NAME logged %q, want one line naming TABLE_NAME", name, line)
		}
	}
}
