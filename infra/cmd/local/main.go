// Command local runs Referloop on this machine: DynamoDB Local with the template's table, every API
// function mounted at its template routes, the built portal and the dev mailbox, on one origin.
//
//	go run ./infra/cmd/local -port 3000            # data kept in .data/
//	go run ./infra/cmd/local -port 3999 -memory    # throwaway (tests)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/referloop/referloop/infra/localserver"
	"github.com/referloop/referloop/infra/seed"
	"github.com/referloop/referloop/infra/template"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "referloop:", err)
		os.Exit(1)
	}
}

func run() error {
	defPort := 3000
	if v, err := strconv.Atoi(os.Getenv("PORT")); err == nil {
		defPort = v
	}
	port := flag.Int("port", defPort, "port on 127.0.0.1 (env PORT)")
	dataDir := flag.String("data", ".data", "folder for data kept across restarts")
	memory := flag.Bool("memory", false, "keep nothing: in-memory DynamoDB, fresh keys")
	noSeed := flag.Bool("no-seed", false, "do not seed the demo practice")
	rollupEvery := flag.Duration("rollup-every", time.Minute, "run the metric rollup this often (0: only on POST /_dev/rollup)")
	flag.Parse()

	started := time.Now()
	tpl, err := template.Find()
	if err != nil {
		return err
	}
	root := filepath.Dir(tpl)
	if *memory {
		*dataDir = ""
	} else if !filepath.IsAbs(*dataDir) {
		*dataDir = filepath.Join(root, *dataDir)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		return fmt.Errorf("port %d: %w (set another with PORT=…)", *port, err)
	}
	origin := "http://" + ln.Addr().String()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := localserver.Start(ctx, localserver.Options{Root: root, Origin: origin, DataDir: *dataDir, Out: os.Stdout,
		DynamoDBEndpoint: os.Getenv("DYNAMODB_ENDPOINT"), RollupEvery: *rollupEvery})
	if err != nil {
		return err
	}
	defer st.Close()

	if !*noSeed {
		if err := demo(ctx, st, origin); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: st.Handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	where := "in memory"
	if *dataDir != "" {
		where = "in " + *dataDir
	}
	fmt.Printf("\nReferloop is ready at %s (data %s; started in %s)\n  dev mailbox: %s/_dev/mail\n  stop with Ctrl-C\n\n",
		origin, where, time.Since(started).Round(time.Millisecond), origin)
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	fmt.Println("\nstopping…")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// demo seeds the demo practice on first start and prints fresh sign-in links for its people.
func demo(ctx context.Context, st *localserver.Stack, origin string) error {
	d, seeded, err := seed.Run(ctx, st.Store, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if seeded {
		fmt.Println("Seeded the demo practice Lakeside Physical Therapy (owner, a staff member, two partners, a referrer, 12 referrals).")
	} else {
		// Data kept in .data/ may predate the counters the notifier keeps (the work queue's counts):
		// set the demo's from its referrals, as the rebuild would (make rollup REBUILD=1 does every
		// tenant, and rewrites old-format metric buckets too).
		kinds, err := st.Store.PartnerKinds(ctx, d.TenantID)
		if err != nil {
			return err
		}
		pids := make([]string, 0, len(kinds))
		for pid := range kinds {
			pids = append(pids, pid)
		}
		load := func(ctx context.Context) ([]referral.Referral, error) {
			return st.Store.TenantReferrals(ctx, d.TenantID, pids)
		}
		if err := st.Store.RepairCounters(ctx, d.TenantID, load, time.Now().UTC()); err != nil {
			return fmt.Errorf("counters: %w", err)
		}
	}
	owner, err := st.Deps.IssueLink(ctx, origin, store.Link{Purpose: store.LinkSignin, Email: seed.OwnerEmail, TenantID: d.TenantID, Role: practice.RoleOwner})
	if err != nil {
		return err
	}
	ref, err := st.Deps.IssueLink(ctx, origin, store.Link{Purpose: store.LinkSignin, Email: seed.ReferrerEmail, TenantID: d.TenantID,
		Role: practice.RoleReferrer, PartnerID: d.Referrer.PartnerID})
	if err != nil {
		return err
	}
	fmt.Printf("Demo sign-in links (each works once, for 15 minutes; ask for more at %s/signin):\n  practice owner %s:\n    %s\n  referrer %s:\n    %s\n  public intake page: %s/p/%s\n",
		origin, seed.OwnerEmail, owner, seed.ReferrerEmail, ref, origin, seed.Slug)
	return nil
}
