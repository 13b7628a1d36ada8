//go:build e2e

// Package e2e runs the portal's end-to-end tests (portal/e2e, playwright-core driving Debian's
// headless Chromium) against the whole local stack: every function mounted from template.yaml,
// DynamoDB Local, the built portal and the dev mailbox. `make test` builds with -tags e2e.
package e2e

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/infra/localserver"
	"github.com/referloop/referloop/infra/seed"
)

func TestPortalEndToEnd(t *testing.T) {
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "portal", "dist", "index.html")); err != nil {
		t.Fatal("the portal is not built (make portal)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := "http://" + ln.Addr().String()
	ctx := context.Background()
	st, err := localserver.Start(ctx, localserver.Options{Root: root, Origin: origin, Out: testWriter{t},
		DynamoDBEndpoint: dynamotest.Endpoint(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The demo practice, as make dev has it: the metrics e2e reads it (and only reads it).
	if _, _, err := seed.Run(ctx, st.Store, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: st.Handler}
	go srv.Serve(ln)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute) // nine files in one browser, one at a time; a11y.test.mjs alone (axe on every page twice and a paced fill) ~100 s
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "--test-concurrency=1", "e2e/")
	cmd.Dir = filepath.Join(root, "portal")
	cmd.Env = append(os.Environ(), "BASE_URL="+origin)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test e2e/ against %s:\n%s", origin, out)
	if err != nil {
		t.Fatalf("portal end-to-end tests failed: %v", err)
	}
	// A skipped browser test is not a passing one.
	if m := regexp.MustCompile(`(?m)^(?:#|ℹ) skipped (\d+)`).FindSubmatch(out); m == nil || string(m[1]) != "0" {
		t.Fatalf("portal end-to-end tests skipped some tests (or printed no summary)")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { return len(p), nil }
