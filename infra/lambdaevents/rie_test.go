//go:build e2e

package lambdaevents_test

// The emulator suite: sam local's fidelity without Docker. Every function's bootstrap (the release
// build, for this machine; one function also as its linux/arm64 build under qemu-user-static) runs
// under AWS's Lambda Runtime Interface Emulator (the emulator inside SAM's images), with the
// environment template.yaml gives it (Globals and its own, every value resolved as CloudFormation
// would, then pointed at DynamoDB Local and at stand-ins for SES, SNS and Secrets Manager), and every
// events/*.json goes through it and is checked as events/README.md says: the same cases, befores and
// checks as the in-process suite, each on its own table.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/infra/template"
	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/notify"
)

// cloudFrontEdge is the source address API Gateway sees behind CloudFront (an edge's).
const cloudFrontEdge = "130.176.89.2"

// qemuFunction is the function also run as its linux/arm64 build (the release architecture) under
// qemu-user-static: it signs and verifies sessions, reads the table and appends to the audit trail.
const qemuFunction = "referrals"

// emulation is what the suite shares: the emulator and the bootstraps, built once.
type emulation struct {
	root, rie, qemu string
	bin             map[string]string // function → amd64 (this machine's) bootstrap
	arm             map[string]string // function → linux/arm64 bootstrap
	raw             map[string]any    // template.yaml, short-form tags as long form
	tpl             *template.Template
	endpoint        string // DynamoDB Local

	mu      sync.Mutex
	results map[string][2]int // "<arch> <function>" → passed, failed
}

var rieVersion = regexp.MustCompile(`(?m)^RIE_VERSION\s*:=\s*(\S+)$`)

// rieBinary is bin/aws-lambda-rie at the Makefile's RIE_VERSION, installed by go install (from the
// Go module proxy, like bin/staticcheck) when it is missing or of another version.
func rieBinary(t *testing.T, root string) string {
	t.Helper()
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := rieVersion.FindSubmatch(mk)
	if m == nil {
		t.Fatal("the Makefile has no RIE_VERSION := … line")
	}
	version := string(m[1])
	bin := filepath.Join(root, "bin", "aws-lambda-rie")
	stamp := bin + ".version"
	if have, err := os.ReadFile(stamp); err == nil && string(have) == version {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	cmd := exec.Command("go", "install", "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@"+version)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(root, "bin"), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install aws-lambda-rie@%s: %v\n%s", version, err, out)
	}
	if err := os.WriteFile(stamp, []byte(version), 0o644); err != nil {
		t.Fatal(err)
	}
	return bin
}

// build compiles every function once as the release does (static, lambda.norpc), for this machine,
// and qemuFunction for linux/arm64 too.
func build(t *testing.T, root string) (amd, arm map[string]string) {
	t.Helper()
	dir := t.TempDir()
	goBuild := func(out string, env []string, pkgs ...string) {
		cmd := exec.Command("go", append([]string{"build", "-trimpath", "-ldflags", "-s -w", "-tags", "lambda.norpc", "-o", out}, pkgs...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), append([]string{"CGO_ENABLED=0"}, env...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", pkgs, err, b)
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		goBuild(filepath.Join(dir, "host")+string(filepath.Separator), []string{"GOOS=linux", "GOARCH=" + runtime.GOARCH}, "./functions/...")
	}()
	go func() {
		defer wg.Done()
		goBuild(filepath.Join(dir, "arm64", qemuFunction), []string{"GOOS=linux", "GOARCH=arm64"}, "./functions/"+qemuFunction)
	}()
	wg.Wait()
	amd, arm = map[string]string{}, map[string]string{qemuFunction: filepath.Join(dir, "arm64", qemuFunction)}
	for _, name := range functionDirs(t, root) {
		amd[name] = filepath.Join(dir, "host", name)
	}
	return amd, arm
}

// TestEmulator runs every event of events/ through its function's bootstrap under aws-lambda-rie.
func TestEmulator(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the bootstraps are linux binaries")
	}
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := template.ParseRaw(b)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	em := &emulation{root: root, raw: raw, tpl: tpl, endpoint: dynamotest.Endpoint(t), results: map[string][2]int{}}
	em.rie = rieBinary(t, root)
	if q, err := exec.LookPath("qemu-aarch64-static"); err == nil {
		em.qemu = q
	}
	em.bin, em.arm = build(t, root)
	dir := eventsDir(t)

	t.Cleanup(func() { em.report(t) })
	run := func(arch, fn, name string, body func(t *testing.T)) {
		t.Run(arch+"/"+name, func(t *testing.T) {
			if arch == "arm64" && em.qemu == "" {
				t.Skip("qemu-aarch64-static is not installed (make system-deps installs Debian's qemu-user-static)")
			}
			t.Parallel()
			defer func() { em.count(arch, fn, !t.Failed()) }()
			body(t)
		})
	}
	for _, arch := range []string{"amd64", "arm64"} {
		for _, name := range sortedKeys(cases) {
			fn, _, _ := strings.Cut(name, ".")
			if arch == "arm64" && fn != qemuFunction {
				continue
			}
			run(arch, fn, name, func(t *testing.T) {
				w := newWorld(t, dir, cases[name])
				em.attach(t, w, arch)
				runCase(t, w, name)
			})
		}
		if arch == "arm64" {
			continue
		}
		for _, name := range sortedKeys(streamCases) {
			fn, _, _ := strings.Cut(name, ".")
			run(arch, fn, name, func(t *testing.T) {
				w := newWorld(t, dir, want{})
				em.attach(t, w, arch)
				if s := streamCases[name].setup; s != nil {
					s(t, w)
				}
				streamCases[name].check(t, w, w.invokeStream(t, name))
			})
		}
		for _, name := range sortedKeys(scheduleCases) {
			run(arch, "rollup", name, func(t *testing.T) {
				w := newWorld(t, dir, want{})
				em.attach(t, w, arch)
				scheduleCases[name](t, w)
			})
		}
	}
	// The execute-api URL refuses a request that did not come through CloudFront (no origin header).
	run("amd64", "auth", "direct-access", func(t *testing.T) {
		w := newWorld(t, dir, want{})
		e := em.attach(t, w, "amd64")
		e.noCloudFront = true
		ev := decodeEvent(t, w.fill(t, "auth.public-profile"))
		resp := e.http(t, "auth", ev)
		if resp.StatusCode != 403 || !strings.Contains(resp.Body, "direct-access") {
			t.Errorf("an event without X-Origin-Verify: %d %s, want 403 direct-access", resp.StatusCode, resp.Body)
		}
	})
}

func (em *emulation) count(arch, fn string, ok bool) {
	em.mu.Lock()
	defer em.mu.Unlock()
	r := em.results[arch+" "+fn]
	if ok {
		r[0]++
	} else {
		r[1]++
	}
	em.results[arch+" "+fn] = r
}

// report logs the suite's results per architecture and function.
func (em *emulation) report(t *testing.T) {
	em.mu.Lock()
	defer em.mu.Unlock()
	keys := make([]string, 0, len(em.results))
	for k := range em.results {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		r := em.results[k]
		fmt.Fprintf(&b, "\n  %-18s %2d passed, %d failed", k, r[0], r[1])
	}
	t.Logf("under aws-lambda-rie:%s", b.String())
}

// emulator runs one world's events: one aws-lambda-rie per function it needs, started on first use
// with that function's environment and the world's table and key, and stand-ins for SES, SNS and
// Secrets Manager that record into the world.
type emulator struct {
	em           *emulation
	w            *world
	arch         string
	services     *httptest.Server
	secretARN    string
	originSecret string
	noCloudFront bool

	mu    sync.Mutex
	procs map[string]string // function → the emulator's invoke URL
}

func (em *emulation) attach(t *testing.T, w *world, arch string) *emulator {
	t.Helper()
	key, ok := w.deps.Signer.Source.(auth.StaticKey)
	if !ok {
		t.Fatalf("the world's key source is %T", w.deps.Signer.Source)
	}
	e := &emulator{em: em, w: w, arch: arch, procs: map[string]string{}, originSecret: ids.Token(36),
		secretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:SigningKeySecret-" + ids.Token(6)}
	e.services = httptest.NewServer(stand{e: e, key: string(key)})
	t.Cleanup(e.services.Close)
	w.via = e
	return e
}

var _ runner = (*emulator)(nil)

// http sends ev as CloudFront and API Gateway would hand it to the function: with the origin secret,
// the viewer's address and host that CloudFront adds.
func (e *emulator) http(t *testing.T, fn string, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	if !e.noCloudFront {
		h := map[string]string{}
		for k, v := range ev.Headers {
			h[k] = v
		}
		h[strings.ToLower(httpapi.OriginVerifyHeader)] = e.originSecret
		// The viewer's address is the client the event names; API Gateway's source IP becomes a
		// CloudFront edge's, which the functions must not take for the client's (the audit checks
		// record the viewer's).
		h[strings.ToLower(httpapi.ViewerAddressHeader)] = ev.RequestContext.HTTP.SourceIP
		ev.RequestContext.HTTP.SourceIP = cloudFrontEdge
		h[strings.ToLower(httpapi.ViewerHostHeader)] = ev.RequestContext.DomainName
		ev.Headers = h
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var resp events.APIGatewayV2HTTPResponse
	out := e.invoke(t, fn, b)
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == 0 {
		t.Fatalf("%s: the emulator answered %s (%v)", fn, out, err)
	}
	return resp
}

// invoke posts event to the function's emulator and returns the function's answer.
func (e *emulator) invoke(t *testing.T, fn string, event []byte) []byte {
	t.Helper()
	u := e.start(t, fn)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: invoking through the emulator: %v", fn, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: the emulator answered %d: %s", fn, res.StatusCode, out)
	}
	var fnErr struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if json.Unmarshal(out, &fnErr) == nil && fnErr.ErrorType != "" {
		t.Fatalf("%s: the function failed (%s): %s", fn, fnErr.ErrorType, fnErr.ErrorMessage)
	}
	return out
}

// start runs the function's bootstrap under its own aws-lambda-rie (once per world) and returns the
// emulator's invoke URL.
func (e *emulator) start(t *testing.T, fn string) string {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if u, ok := e.procs[fn]; ok {
		return u
	}
	env := e.environment(t, fn)
	boot := []string{e.em.bin[fn]}
	if e.arch == "arm64" {
		boot = []string{e.em.qemu, e.em.arm[fn]}
	}
	var addr string
	var out *lockedLog
	for attempt := 0; ; attempt++ {
		api, rapid := freePort(t), freePort(t)
		out = &lockedLog{}
		cmd := exec.Command(e.em.rie, append([]string{"--runtime-interface-emulator-address", api, "--runtime-api-address", rapid, "--log-level", "error"}, boot...)...)
		cmd.Dir = t.TempDir()
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatalf("%s: starting aws-lambda-rie: %v", fn, err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if t.Failed() {
				t.Logf("%s (%s) under aws-lambda-rie logged:\n%s", fn, e.arch, out.String())
			}
		})
		if waitListening(api, 5*time.Second) {
			addr = api
			break
		}
		if attempt == 2 {
			t.Fatalf("%s: aws-lambda-rie did not listen on %s:\n%s", fn, api, out.String())
		}
	}
	u := "http://" + addr + "/2015-03-31/functions/function/invocations"
	e.procs[fn] = u
	return u
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitListening(addr string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// environment is what Lambda gives functions/<fn> in AWS: template.yaml's Globals and its own
// variables, resolved with this world's resources, and the variables Lambda sets; then DynamoDB
// Local and the stand-ins in place of AWS's endpoints (the variables the template declares for it).
func (e *emulator) environment(t *testing.T, fn string) (env []string) {
	t.Helper()
	res := rmap(e.em.raw["Resources"])
	var id string
	for rid, r := range res {
		if rstr(rget(r, "Type")) == "AWS::Serverless::Function" && strings.TrimSuffix(rstr(rget(r, "Properties", "CodeUri")), "/") == "functions/"+fn {
			id = rid
		}
	}
	if id == "" {
		t.Fatalf("template.yaml has no function functions/%s", fn)
	}
	props := rmap(rget(res[id], "Properties"))
	globals := rmap(rget(e.em.raw, "Globals", "Function"))
	vars := map[string]string{}
	for _, src := range []any{rget(globals, "Environment", "Variables"), rget(props, "Environment", "Variables")} {
		for k, v := range rmap(src) {
			r, err := e.resolve(v)
			if err != nil {
				t.Fatalf("%s: %s: %v", id, k, err)
			}
			vars[k] = r
		}
	}
	setting := func(k string) string {
		if v := rstr(props[k]); v != "" {
			return v
		}
		return rstr(globals[k])
	}
	for k, v := range map[string]string{
		"DYNAMODB_ENDPOINT": e.em.endpoint, "SERVICES_ENDPOINT": e.services.URL,
	} {
		if _, ok := vars[k]; !ok {
			t.Fatalf("template.yaml's Globals do not declare %s, which the emulated function needs", k)
		}
		vars[k] = v
	}
	vars["AWS_REGION"], vars["AWS_DEFAULT_REGION"] = "us-east-1", "us-east-1"
	vars["AWS_ACCESS_KEY_ID"], vars["AWS_SECRET_ACCESS_KEY"], vars["AWS_SESSION_TOKEN"] = "ASIAEMULATED", "emulated", "emulated"
	vars["AWS_LAMBDA_FUNCTION_NAME"] = "referloop-" + id
	vars["AWS_LAMBDA_FUNCTION_TIMEOUT"] = setting("Timeout")
	vars["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = setting("MemorySize")
	vars["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
	vars["PATH"] = os.Getenv("PATH")
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}

var resolveSecret = regexp.MustCompile(`^\{\{resolve:secretsmanager:(.+):SecretString\}\}$`)

// resolve is a template value as CloudFormation resolves it for this world.
func (e *emulator) resolve(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case map[string]any:
		for fn, arg := range x {
			switch fn {
			case "Ref":
				return e.ref(rstr(arg))
			case "Fn::If":
				l := rlist(arg)
				if len(l) != 3 {
					return "", fmt.Errorf("Fn::If %v", arg)
				}
				ok, err := e.condition(rstr(l[0]))
				if err != nil {
					return "", err
				}
				if ok {
					return e.resolve(l[1])
				}
				return e.resolve(l[2])
			case "Fn::Sub":
				var firstErr error
				out := regexp.MustCompile(`\$\{([A-Za-z0-9:.]+)\}`).ReplaceAllStringFunc(rstr(arg), func(v string) string {
					r, err := e.ref(v[2 : len(v)-1])
					if err != nil && firstErr == nil {
						firstErr = err
					}
					return r
				})
				if firstErr != nil {
					return "", firstErr
				}
				if mt := resolveSecret.FindStringSubmatch(out); mt != nil {
					return e.secretValue(mt[1])
				}
				return out, nil
			}
			return "", fmt.Errorf("the emulator suite cannot resolve %s", fn)
		}
	}
	return "", fmt.Errorf("the emulator suite cannot resolve %v", v)
}

// parameters are the stack's parameters for the emulated functions: the events' portal is
// https://app.referloop.example, its custom domain.
var parameters = map[string]string{"SenderEmail": "no-reply@referloop.example", "PortalDomainName": "app.referloop.example"}

func (e *emulator) ref(name string) (string, error) {
	if v, ok := parameters[name]; ok {
		return v, nil
	}
	switch name {
	case "AWS::Region":
		return "us-east-1", nil
	case "AWS::AccountId":
		return "123456789012", nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "SigningKeySecret":
		return e.secretARN, nil
	case "OriginVerifySecret":
		return "arn:aws:secretsmanager:us-east-1:123456789012:secret:OriginVerifySecret", nil
	case "PortalDistribution.DomainName":
		return "d111111abcdef8.cloudfront.net", nil
	}
	if p, ok := rmap(rget(e.em.raw, "Parameters", name))["Default"]; ok {
		return rstr(p), nil
	}
	res := rmap(e.em.raw["Resources"])
	if r, ok := res[name]; ok && rstr(rget(r, "Type")) == "AWS::DynamoDB::Table" {
		return e.em.tpl.LocalName(name, e.w.deps.Store.Table), nil
	}
	return "", fmt.Errorf("the emulator suite has no value for %s", name)
}

func (e *emulator) secretValue(id string) (string, error) {
	if id == "arn:aws:secretsmanager:us-east-1:123456789012:secret:OriginVerifySecret" {
		return e.originSecret, nil
	}
	return "", fmt.Errorf("no secret %s", id)
}

// condition evaluates one of the template's Conditions with the parameters above.
func (e *emulator) condition(name string) (bool, error) {
	var eval func(v any) (bool, error)
	eval = func(v any) (bool, error) {
		for fn, arg := range rmap(v) {
			l := rlist(arg)
			switch fn {
			case "Condition":
				return e.condition(rstr(arg))
			case "Fn::Not":
				b, err := eval(l[0])
				return !b, err
			case "Fn::And", "Fn::Or":
				all := fn == "Fn::And"
				for _, c := range l {
					b, err := eval(c)
					if err != nil {
						return false, err
					}
					if b != all {
						return !all, nil
					}
				}
				return all, nil
			case "Fn::Equals":
				a, err := e.resolve(l[0])
				if err != nil {
					return false, err
				}
				b, err := e.resolve(l[1])
				return a == b, err
			}
		}
		return false, fmt.Errorf("condition %v", v)
	}
	c, ok := rmap(e.em.raw["Conditions"])[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	return eval(c)
}

func rmap(v any) map[string]any { r, _ := v.(map[string]any); return r }
func rstr(v any) string         { r, _ := v.(string); return r }
func rlist(v any) []any         { r, _ := v.([]any); return r }

// rget follows keys into a template value.
func rget(v any, path ...string) any {
	for _, k := range path {
		v = rmap(v)[k]
	}
	return v
}

// stand answers the SES v2, SNS and Secrets Manager calls of the emulated functions (their
// SERVICES_ENDPOINT): email and text messages go to the world's recorders, the signing key's secret
// is the world's key (its AWSCURRENT version; no rotation yet, so no AWSPREVIOUS).
type stand struct {
	e   *emulator
	key string
}

func (st stand) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "secretsmanager."):
		st.secret(w, target, body)
	case r.URL.Path == "/v2/email/outbound-emails":
		var in struct {
			Destination struct{ ToAddresses []string }
			Content     struct {
				Simple struct {
					Subject struct{ Data string }
					Body    struct{ Text struct{ Data string } }
				}
			}
		}
		if err := json.Unmarshal(body, &in); err != nil || len(in.Destination.ToAddresses) != 1 {
			http.Error(w, `{"message":"bad request"}`, 400)
			return
		}
		_ = st.e.w.mail.Send(r.Context(), notify.Message{To: in.Destination.ToAddresses[0], Subject: in.Content.Simple.Subject.Data,
			Text: in.Content.Simple.Body.Text.Data})
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"MessageId":%q}`, ids.Token(12))
	case strings.HasPrefix(target, "AmazonSimpleNotificationService.") || strings.Contains(string(body), "Action=Publish"):
		var to, text string
		if strings.HasPrefix(target, "AmazonSimpleNotificationService.") {
			var in struct{ PhoneNumber, Message string }
			_ = json.Unmarshal(body, &in)
			to, text = in.PhoneNumber, in.Message
		} else {
			q, _ := url.ParseQuery(string(body))
			to, text = q.Get("PhoneNumber"), q.Get("Message")
		}
		_ = st.e.w.sms.Send(r.Context(), notify.Message{To: to, Text: text})
		if strings.HasPrefix(target, "AmazonSimpleNotificationService.") {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			fmt.Fprintf(w, `{"MessageId":%q}`, ids.Token(12))
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>%s</MessageId></PublishResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></PublishResponse>`,
			ids.Token(12), ids.Token(12))
	default:
		http.Error(w, "the stand-in does not know "+r.Method+" "+r.URL.Path+" "+target, http.StatusNotImplemented)
	}
}

func (st stand) secret(w http.ResponseWriter, target string, body []byte) {
	var in struct{ SecretId, VersionStage string }
	_ = json.Unmarshal(body, &in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fail := func(typ, msg string) {
		w.Header().Set("X-Amzn-ErrorType", typ)
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, typ, msg)
	}
	switch {
	case target != "secretsmanager.GetSecretValue":
		fail("InvalidRequestException", "the stand-in answers GetSecretValue only")
	case in.SecretId != st.e.secretARN:
		fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	case in.VersionStage != "" && in.VersionStage != "AWSCURRENT":
		fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: "+in.VersionStage)
	default:
		fmt.Fprintf(w, `{"ARN":%q,"Name":"SigningKeySecret","SecretString":%q,"VersionId":"v1","VersionStages":["AWSCURRENT"],"CreatedDate":%s}`,
			st.e.secretARN, st.key, strconv.FormatInt(time.Now().Unix(), 10))
	}
}
