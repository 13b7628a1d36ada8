package coldstart

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/infra/template"
)

func root(t *testing.T) (string, *template.Template) {
	t.Helper()
	p, err := template.Find()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(p), tpl
}

// The cold-start benchmark and this test build bootstraps as the release build does; if the
// Makefile's GOBUILD changes, ReleaseFlags must follow.
func TestReleaseFlagsMatchTheMakefile(t *testing.T) {
	dir, _ := root(t)
	b, err := os.ReadFile(filepath.Join(dir, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^GOBUILD\s*:=\s*(.*)$`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("the Makefile has no GOBUILD := line")
	}
	want := `CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build ` + `-trimpath -ldflags "-s -w" -tags lambda.norpc`
	if got := strings.TrimSpace(m[1]); got != want {
		t.Errorf("Makefile GOBUILD is\n\t%s\nthe benchmark builds with\n\t%s\nupdate coldstart.ReleaseFlags to the release build", got, want)
	}
}

// Every function must reach the Runtime API's /next without any network call: with DynamoDB,
// Secrets Manager and SES all pointing at a listener that accepts and never answers (so a call made during
// init would hang it), each bootstrap must ask for its first event, and nothing may have connected.
func TestInitMakesNoNetworkCall(t *testing.T) {
	dir, tpl := root(t)
	fns := FunctionPkgs(dir, tpl)
	if len(fns) == 0 {
		t.Fatal("no function with a main package in template.yaml")
	}
	var names, pkgs []string
	for n := range fns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		pkgs = append(pkgs, fns[n])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	bins, err := Build(ctx, dir, runtime.GOARCH, t.TempDir(), pkgs...)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			hole, err := NewBlackhole()
			if err != nil {
				t.Fatal(err)
			}
			defer hole.Close()
			url := "http://" + hole.Addr
			// No SIGNING_KEY: the key is left to Secrets Manager, as in AWS. Every AWS endpoint, and any
			// proxy-able call, leads to the black hole.
			env := append(LambdaEnv(n, "referloop", url, nil),
				"HTTP_PROXY="+url, "HTTPS_PROXY="+url, "http_proxy="+url, "https_proxy="+url,
				"AWS_ENDPOINT_URL="+url, "AWS_EC2_METADATA_SERVICE_ENDPOINT="+url)
			l, err := rt.Start(ctx, bins[n], env, nil, 15*time.Second)
			if err != nil {
				t.Fatalf("init with every dependency unreachable did not reach /next: %v\n%s", err, l.Output)
			}
			if count, first := hole.Connections(); count > 0 {
				t.Errorf("init opened %d connection(s) before its first /next: %q", count, first)
			}
			t.Logf("%s reached /next %.1f ms after exec", n, ms(l.ToNext))
		})
	}
}

// The harness itself: a bare function answers an event through the fake Runtime API.
func TestRuntimeRoundTrip(t *testing.T) {
	dir, _ := root(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bins, err := Build(ctx, ModuleDir(dir), runtime.GOARCH, t.TempDir(), HelloPkg)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ev := []byte(`{"version":"2.0","routeKey":"GET /","rawPath":"/","requestContext":{"http":{"method":"GET","path":"/"}}}`)
	var l Launch
	for i := 0; i < 30; i++ {
		l, err = rt.Start(ctx, bins["hello"], LambdaEnv("hello", "t", "", nil), [][]byte{ev, ev}, 15*time.Second)
		if err != nil {
			t.Fatalf("launch %d: %v", i, err)
		}
	}
	if len(l.Invocations) != 2 || statusOf(l.Invocations[0]) != 200 || statusOf(l.Invocations[1]) != 200 {
		t.Fatalf("invocations %+v", l.Invocations)
	}
	if l.ToNext <= 0 || l.Invocations[0].RoundTrip <= 0 {
		t.Errorf("times not measured: %+v", l)
	}
}
