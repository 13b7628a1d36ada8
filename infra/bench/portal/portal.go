// Package portal measures the portal: gzipped JS and CSS per route, and in headless Chromium the
// referral form's LCP and CLS (web-vitals) and a scripted fill at a human pace, each beside a
// floor served by the same local server in the same run (vitals.mjs does the browser work).
package portal

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/referloop/referloop/infra/bench/benchenv"
	"github.com/referloop/referloop/infra/bench/report"
	"github.com/referloop/referloop/infra/localserver"
)

//go:embed floor/*.html
var floorPages embed.FS

// Loads of each page for LCP and CLS (and half as many with a throttled phone profile).
const Loads = 5

type vital struct {
	LCP       *float64 `json:"LCP"`
	CLS       *float64 `json:"CLS"`
	FCP       *float64 `json:"FCP"`
	TTFB      *float64 `json:"TTFB"`
	FormReady *float64 `json:"formReady"`
	LCPTarget string   `json:"lcpTarget"`
	CLSTarget string   `json:"clsTarget"`
}

type fillResult struct {
	Ms         float64  `json:"ms"`
	Inputs     []string `json:"inputs"`
	Keystrokes int      `json:"keystrokes"`
	Fields     int      `json:"fields"`
	FormMillis *float64 `json:"formMillis"`
	PacingMs   float64  `json:"pacingMs"`
	Steps      []struct {
		Step string  `json:"step"`
		Ms   float64 `json:"ms"`
	} `json:"steps"`
}

type result struct {
	Errors []string `json:"errors"`
	Entry  struct {
		JS  float64 `json:"js"`
		CSS float64 `json:"css"`
	} `json:"entry"`
	Sizes []struct {
		Path  string   `json:"path"`
		Page  string   `json:"page"`
		JS    float64  `json:"js"`
		CSS   float64  `json:"css"`
		Files []string `json:"files"`
	} `json:"sizes"`
	Budgets map[string]float64 `json:"budgets"`
	Vitals  struct {
		Refer, Floor, ReferSlow, FloorSlow []vital
	} `json:"vitals"`
	Fill *struct {
		Refer, Floor fillResult
		KeystrokeMs  float64 `json:"keystrokeMs"`
		FieldMs      float64 `json:"fieldMs"`
	} `json:"fill"`
	Chromium string `json:"chromium"`
}

// Run runs the portal part. The portal must be built (make portal) and Chromium installed.
func Run(ctx context.Context) (report.Part, error) {
	p := report.Part{Name: "portal", Title: "5. Portal", Machine: report.Machine()}
	env, err := benchenv.Open(ctx, "portal")
	if err != nil {
		return p, err
	}
	defer env.Close()
	dist := filepath.Join(env.Root, "portal", "dist")
	if _, err := os.Stat(filepath.Join(dist, ".vite", "manifest.json")); err != nil {
		return p, errors.New("the portal is not built: run `make portal`")
	}
	mux, err := env.Mux(env.Deps(env.DB))
	if err != nil {
		return p, err
	}
	sub, _ := fs.Sub(floorPages, "floor")
	mux.Handle("GET /_bench/", http.StripPrefix("/_bench/", http.FileServerFS(sub)))
	mux.HandleFunc("POST /_bench/noop", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"received"}`))
	})
	mux.Handle("/", localserver.Portal(dist))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return p, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	// A referrer of its own, so the form's submit does not disturb anything else.
	sess, _, err := env.NewReferrer(ctx, 0, "portal@northside.example")
	if err != nil {
		return p, err
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, "node", filepath.Join(env.Root, "infra", "bench", "portal", "vitals.mjs"))
	cmd.Env = append(os.Environ(), "BASE_URL="+base, "PORTAL_DIR="+filepath.Join(env.Root, "portal"),
		"RL_SESSION="+sess.Token, "RL_CSRF="+sess.CSRF, fmt.Sprintf("LOADS=%d", Loads))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return p, fmt.Errorf("node vitals.mjs: %v: %s", err, tail(stderr.String()))
	}
	var r result
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &r); err != nil {
		return p, fmt.Errorf("vitals.mjs printed no JSON: %v: %s %s", err, tail(stdout.String()), tail(stderr.String()))
	}
	p.Rows = append(p.Rows, sizeRows(r)...)
	p.Rows = append(p.Rows, vitalRows(r)...)
	p.Rows = append(p.Rows, fillRows(r)...)
	p.Notes = append(p.Notes,
		fmt.Sprintf("Chromium %s, headless, 390×844 viewport, on the local server over loopback. Every load has a cold cache (CDP Network.setCacheDisabled). "+
			"The floor page (`infra/bench/portal/floor/page.html`) is static HTML with the form page's heading and first paragraph; the floor form "+
			"(`floor/form.html`) is the minimum referral as a bare HTML form with the portal's field ids, posting to a no-op endpoint.", r.Chromium),
		"Sizes are gzip -9 (Node's zlib, as `npm run size`) of the entry chunk plus the route's chunk and every chunk they import statically, and their CSS.")
	if len(r.Errors) > 0 {
		return p, errors.New(strings.Join(r.Errors, "; "))
	}
	return p, nil
}

func sizeRows(r result) []report.Row {
	var out []report.Row
	kb := func(b float64) float64 { return b / 1024 }
	for _, s := range r.Sizes {
		row := report.NewRow("JS gzipped, "+s.Path, kb(s.JS), kb(r.Entry.JS), "KB", "the entry chunk alone (Preact, router, layout)",
			fmt.Sprintf("%s: %s.", s.Page, strings.Join(jsOnly(s.Files), " + "))).WithDecimals(1)
		if b, ok := r.Budgets[s.Page]; ok {
			row = row.WithBudget(fmt.Sprintf("≤ %.0f KB", b/1024), s.JS <= b)
		} else if s.Path == "/refer" {
			row = row.WithBudget("≤ 20 KB", s.JS <= 20*1024)
		}
		if row.Met != nil && !*row.Met {
			row = row.WithNote(fmt.Sprintf("%.1f KB over; the route's own chunks weigh %.1f KB beyond the entry.", kb(s.JS-budgetOf(r, s.Page, s.Path)), kb(s.JS-r.Entry.JS)))
		}
		out = append(out, row)
	}
	// CSS: one row per distinct amount (routes usually share the entry's stylesheet).
	seen := map[float64][]string{}
	var order []float64
	for _, s := range r.Sizes {
		if _, ok := seen[s.CSS]; !ok {
			order = append(order, s.CSS)
		}
		seen[s.CSS] = append(seen[s.CSS], s.Path)
	}
	for _, css := range order {
		out = append(out, report.NewRow("CSS gzipped, "+strings.Join(seen[css], ", "), kb(css), kb(r.Entry.CSS), "KB", "the entry's CSS",
			"the CSS files of the same chunks.").WithDecimals(1))
	}
	return out
}

func budgetOf(r result, page, path string) float64 {
	if b, ok := r.Budgets[page]; ok {
		return b
	}
	return 20 * 1024
}

func jsOnly(files []string) []string {
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, ".js") {
			out = append(out, strings.TrimPrefix(f, "assets/"))
		}
	}
	return out
}

func vitalRows(r result) []report.Row {
	v := r.Vitals
	if len(v.Refer) == 0 || len(v.Floor) == 0 {
		return nil
	}
	pick := func(vs []vital, f func(vital) *float64) []float64 {
		var out []float64
		for _, x := range vs {
			if p := f(x); p != nil {
				out = append(out, *p)
			}
		}
		return out
	}
	lcp := func(x vital) *float64 { return x.LCP }
	cls := func(x vital) *float64 { return x.CLS }
	ready := func(x vital) *float64 { return x.FormReady }
	how := fmt.Sprintf("median of %d cold-cache loads each, the form page and the floor alternating; web-vitals onLCP/onCLS (reportAllChanges), read after the form is shown and 1.5 s more, the page then reported hidden.", len(v.Refer))
	rows := []report.Row{
		report.NewRow("LCP of the referral form (/refer), loopback", report.Median(pick(v.Refer, lcp)), report.Median(pick(v.Floor, lcp)), "ms", "a static page with the same heading", how).
			WithBudget("≤ 2500 ms (web.dev “good”, a reference)", report.Median(pick(v.Refer, lcp)) <= 2500).WithDecimals(0),
		report.NewRow("CLS of the referral form", report.Median(pick(v.Refer, cls)), report.Median(pick(v.Floor, cls)), "", "the static page", how).
			WithBudget("≤ 0.1 (web.dev “good”, a reference)", report.Median(pick(v.Refer, cls)) <= 0.1).WithDecimals(3),
	}
	targets := func(vs []vital, f func(vital) string) string {
		n := map[string]int{}
		var order []string
		for _, x := range vs {
			if t := f(x); t != "" {
				if n[t] == 0 {
					order = append(order, t)
				}
				n[t]++
			}
		}
		var out []string
		for _, t := range order {
			out = append(out, fmt.Sprintf("`%s` (%d×)", t, n[t]))
		}
		return strings.Join(out, ", ")
	}
	if t := targets(v.Refer, func(x vital) string { return x.LCPTarget }); t != "" {
		rows[0] = rows[0].WithNote("The LCP element: " + t + ".")
	}
	if t := targets(v.Refer, func(x vital) string { return x.CLSTarget }); t != "" {
		rows[1] = rows[1].WithNote("The largest shift: " + t + ".")
	}
	if rs := pick(v.Refer, ready); len(rs) > 0 {
		rows = append(rows, report.NewRow("form ready (send button shown), loopback", report.Median(rs), report.Median(pick(v.Floor, lcp)), "ms", "the static page's LCP",
			"performance.now() when `form button[type=submit]` first appears (MutationObserver): the entry, GET /v1/me, the route's chunk and GET …/profile in turn.").WithDecimals(0))
	}
	if len(v.ReferSlow) > 0 && len(v.FloorSlow) > 0 {
		rows = append(rows, report.NewRow("LCP of the referral form, throttled phone profile", report.Median(pick(v.ReferSlow, lcp)), report.Median(pick(v.FloorSlow, lcp)), "ms",
			"the static page, same throttling",
			fmt.Sprintf("median of %d cold-cache loads each with CPU 4× slower, 150 ms RTT, 1.6 Mbps down / 750 kbps up (CDP emulation, Lighthouse's mobile profile).", len(v.ReferSlow))).
			WithBudget("≤ 2500 ms (web.dev “good”, a reference)", report.Median(pick(v.ReferSlow, lcp)) <= 2500).WithDecimals(0))
	}
	return rows
}

func fillRows(r result) []report.Row {
	if r.Fill == nil {
		return nil
	}
	f := r.Fill
	s := f.Refer.Ms / 1000
	row := report.NewRow("the two-minute form: scripted fill of /refer at a human pace", s, f.Floor.Ms/1000, "s", "the same script on a bare HTML form",
		fmt.Sprintf("%d steps (%d keystrokes at %.0f ms, %.0f ms before each field, click to send) from the form shown to “Referral sent”; the pacing alone is %.1f s. "+
			"Both fills ran at once, each in its own browser.", f.Refer.Fields, f.Refer.Keystrokes, f.KeystrokeMs, f.FieldMs, f.Refer.PacingMs/1000)).
		WithBudget("≤ 60 s", s <= 60).WithDecimals(1)
	var steps []string
	for i, st := range f.Refer.Steps {
		fl := 0.0
		if i < len(f.Floor.Steps) {
			fl = f.Floor.Steps[i].Ms
		}
		steps = append(steps, fmt.Sprintf("%s %.0f ms (floor %.0f)", st.Step, st.Ms, fl))
	}
	if len(steps) > 0 {
		row = row.WithNote("Beyond the pacing, each step took: " + strings.Join(steps, ", ") + ".")
	}
	if f.Refer.FormMillis != nil {
		row = row.WithNote(fmt.Sprintf("The form itself reported formMillis = %.1f s (from the first keystroke).", *f.Refer.FormMillis/1000))
	}
	in := report.NewRow("visible required inputs on /refer", float64(len(f.Refer.Inputs)), float64(len(f.Floor.Inputs)), "", "the brief's minimum referral as a bare form",
		fmt.Sprintf("form controls shown when the form appears, radio groups counted once, none labelled optional nor in a closed <details>: %s.", strings.Join(f.Refer.Inputs, ", "))).
		WithBudget("≤ 8", len(f.Refer.Inputs) <= 8).WithDecimals(0)
	return []report.Row{row, in}
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}
