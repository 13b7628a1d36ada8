// Command bench runs one part of Referloop's benchmarks, saves its figures to bin/bench/<part>.json
// and rewrites docs/benchmarks.md from every part saved so far.
//
//	go run ./infra/cmd/with -- go -C infra/bench run ./cmd/bench capacity
//	go -C infra/bench run ./cmd/bench report        # docs/benchmarks.md from bin/bench/*.json
//
// It exits non-zero only when a part could not run; a budget that is not met is reported, not an
// error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/referloop/referloop/infra/bench/capacity"
	"github.com/referloop/referloop/infra/bench/coldstart"
	"github.com/referloop/referloop/infra/bench/growth"
	"github.com/referloop/referloop/infra/bench/load"
	"github.com/referloop/referloop/infra/bench/loopbench"
	"github.com/referloop/referloop/infra/bench/overhead"
	"github.com/referloop/referloop/infra/bench/portal"
	"github.com/referloop/referloop/infra/bench/report"
	"github.com/referloop/referloop/infra/bench/rollupbench"
	"github.com/referloop/referloop/infra/template"
)

// Parts in report order.
var Parts = []string{"coldstart", "capacity", "overhead", "load", "portal", "loop", "rollup", "growth"}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	part := os.Args[1]
	fs := flag.NewFlagSet(part, flag.ExitOnError)
	rounds := fs.Int("rounds", 50, "coldstart: launches of each bootstrap")
	fixed := fs.Int("rate", 10, "load: the fixed rate, requests per second of each kind")
	fixedFor := fs.Duration("for", 30*time.Second, "load: how long the fixed-rate run lasts")
	_ = fs.Parse(os.Args[2:])

	tp, err := template.Find()
	if err != nil {
		fail(err)
	}
	root := filepath.Dir(tp)
	dir := report.Dir(root)
	if part == "report" {
		if err := writeReport(root, dir); err != nil {
			fail(err)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := map[string]func(context.Context) (report.Part, error){
		"coldstart": func(ctx context.Context) (report.Part, error) {
			return coldstart.Run(ctx, coldstart.Options{Rounds: *rounds})
		},
		"capacity": capacity.Run,
		"overhead": overhead.Run,
		"load": func(ctx context.Context) (report.Part, error) {
			return load.Run(ctx, load.Options{Rate: *fixed, For: *fixedFor})
		},
		"portal": portal.Run,
		"loop": func(ctx context.Context) (report.Part, error) {
			return loopbench.Run(ctx, loopbench.Options{Root: root})
		},
		"rollup": func(ctx context.Context) (report.Part, error) {
			return rollupbench.Run(ctx, rollupbench.Options{Root: root})
		},
		"growth": func(ctx context.Context) (report.Part, error) {
			return growth.Run(ctx, growth.Options{Root: root})
		},
	}[part]
	if run == nil {
		usage()
	}
	start := time.Now()
	fmt.Fprintf(os.Stderr, "bench %s: running…\n", part)
	p, err := run(ctx)
	p.Name, p.Ran, p.Seconds = part, start, time.Since(start).Seconds()
	if p.Machine == "" {
		p.Machine = report.Machine()
	}
	if err != nil {
		p.Error = err.Error()
	}
	if serr := report.Save(dir, p); serr != nil {
		err = errors.Join(err, serr)
	}
	if rerr := writeReport(root, dir); rerr != nil {
		err = errors.Join(err, rerr)
	}
	for _, r := range p.Rows {
		fmt.Fprintf(os.Stderr, "  %-60s %10.3f %-8s floor %10.3f  budget %s\n", r.Figure, r.Value, r.Unit, r.Floor, budget(r))
	}
	if err != nil {
		fail(fmt.Errorf("%s could not run: %w", part, err))
	}
	fmt.Fprintf(os.Stderr, "bench %s: done in %.0f s; docs/benchmarks.md updated\n", part, p.Seconds)
}

func budget(r report.Row) string {
	switch {
	case r.Met == nil:
		return "-"
	case *r.Met:
		return r.Budget + " met"
	}
	return r.Budget + " NOT met"
}

func writeReport(root, dir string) error {
	parts, err := report.Load(dir, Parts)
	if err != nil {
		return err
	}
	out := filepath.Join(root, "docs", "benchmarks.md")
	if old, err := os.ReadFile(out); err == nil {
		report.Keep(parts, string(old)) // the parts not run here keep their section
	}
	for i, p := range parts {
		// benchstat's view of a part's samples, when the Makefile made one after the part ran.
		b, err := os.ReadFile(filepath.Join(dir, p.Name+".benchstat.txt"))
		st, serr := os.Stat(filepath.Join(dir, p.Name+".benchstat.txt"))
		if err == nil && serr == nil && !p.Ran.IsZero() && !st.ModTime().Before(p.Ran) && len(strings.TrimSpace(string(b))) > 0 {
			parts[i].Detail += fmt.Sprintf("\n<details><summary>benchstat (%s)</summary>\n\n```\n%s\n```\n</details>\n",
				"`make bench-"+p.Name+"`", strings.TrimSpace(string(b)))
		}
	}
	md := report.Markdown(parts, intro)
	return os.WriteFile(out, []byte(md), 0o644)
}

const intro = `What Referloop costs in time and money, measured by ` + "`make bench`" + ` (a few minutes; each part
alone with ` + "`make bench-coldstart`" + `, ` + "`bench-capacity`" + `, ` + "`bench-overhead`" + `, ` + "`bench-load`" + `,
` + "`bench-portal`" + `, ` + "`bench-loop`" + `, ` + "`bench-rollup`" + `, ` + "`bench-growth`" + `). The machine is small (2 cores), shared and noisy, so every figure stands beside a
**floor measured in the same run** — the same measurement of something that does the least the
figure could — and the ratio between them is the number to read. Absolute milliseconds move from run
to run; ratios move much less. Capacity floors are first principles (what the item sizes and key
design must cost), computed from the items of the same run. Budgets are reported here, never
enforced as timed tests: a budget that is not met is marked **NOT met** with the reason.
Everything runs locally: DynamoDB Local (Java) on loopback stands in for DynamoDB, so latencies are
loopback latencies, and Lambda at 128 MB has a fraction of a core where these runs had a whole one.`

func usage() {
	fmt.Fprintf(os.Stderr, "usage: bench <%s|report> [flags]\n", strings.Join(Parts, "|"))
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
