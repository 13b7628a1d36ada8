package localserver

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/aws/aws-lambda-go/events"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/referloop/referloop/infra/dynamodblocal"
	"github.com/referloop/referloop/infra/streamfeed"
	"github.com/referloop/referloop/infra/template"
	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/importer"
	"github.com/referloop/referloop/pkg/notifier"
	"github.com/referloop/referloop/pkg/rollup"
	"github.com/referloop/referloop/pkg/store"
)

// TableName is the local table's name.
const TableName = "referloop"

// Options configure the local stack.
type Options struct {
	Root    string // project root
	Origin  string // http://127.0.0.1:3000
	DataDir string // kept across restarts; "" keeps everything in memory
	Out     io.Writer
	// DynamoDBEndpoint uses a running DynamoDB Local instead of starting one.
	DynamoDBEndpoint string
	// RollupEvery runs the metric rollup on a timer (0: never; make rollup runs it once).
	RollupEvery time.Duration
}

// Stack is the running local product.
type Stack struct {
	Template *template.Template
	DynamoDB *dynamodblocal.Server
	Store    *store.Store
	Mailbox  *Mailbox
	Deps     *httpapi.Deps
	Notifier *notifier.Notifier
	Feeder   *streamfeed.Feeder
	Rollup   *rollup.Runner
	Handler  http.Handler
	cancel   context.CancelFunc
	endpoint string
}

// Start brings up DynamoDB Local (with the template's table) and builds the server's handler.
func Start(ctx context.Context, o Options) (*Stack, error) {
	t, err := template.Load(filepath.Join(o.Root, "template.yaml"))
	if err != nil {
		return nil, err
	}
	st := &Stack{Template: t, Mailbox: &Mailbox{Out: o.Out}}
	endpoint := o.DynamoDBEndpoint
	if endpoint == "" {
		dbPath := ""
		if o.DataDir != "" {
			dbPath = filepath.Join(o.DataDir, "dynamodb")
		}
		logf, _ := os.CreateTemp("", "dynamodb-local-*.log")
		st.DynamoDB, err = dynamodblocal.Start(ctx, dynamodblocal.Options{Root: o.Root, DBPath: dbPath, Log: logf})
		if err != nil {
			return nil, err
		}
		endpoint = st.DynamoDB.Endpoint
	}
	st.endpoint = endpoint
	db := dynamodblocal.Client(endpoint)
	if err := dynamodblocal.EnsureTable(ctx, db, t, TableName); err != nil {
		st.Close()
		return nil, err
	}
	key, err := signingKey(o.DataDir)
	if err != nil {
		st.Close()
		return nil, err
	}
	st.Store = store.New(db, TableName)
	st.Deps = &httpapi.Deps{
		Store:           st.Store,
		Signer:          &auth.Signer{Issuer: awsenv.Issuer, Audience: awsenv.Audience, Source: auth.StaticKey(key)},
		Mailer:          st.Mailbox,
		Origin:          o.Origin,
		InsecureCookies: strings.HasPrefix(o.Origin, "http://"),
		Log:             slog.New(slog.NewTextHandler(o.Out, nil)),
	}
	// The notifier, fed from DynamoDB Local's own stream, as Lambda feeds it from the table's.
	st.Notifier = &notifier.Notifier{Store: st.Store, Mailer: st.Mailbox, SMS: st.Mailbox, Signer: st.Deps.Signer,
		Origin: o.Origin, Log: st.Deps.Log}
	reader, err := streamfeed.Open(ctx, endpoint, TableName)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("stream: %w", err)
	}
	// The importer reads the same stream (in AWS: its own event source, filtered on import chunks).
	imp := &importer.Importer{Store: st.Store, Log: st.Deps.Log}
	feed := func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		r, err := st.Notifier.Handle(ctx, ev)
		if err != nil {
			return r, err
		}
		ri, err := imp.Handle(ctx, ev)
		r.BatchItemFailures = append(r.BatchItemFailures, ri.BatchItemFailures...)
		return r, err
	}
	st.Feeder = &streamfeed.Feeder{Reader: reader, Handler: feed, Interval: 100 * time.Millisecond,
		OnError: func(err error) { st.Deps.Log.Warn("notifier", "error", err.Error()) }}
	st.Mailbox.Troubles = func() []string {
		var out []string
		for _, f := range st.Feeder.Failures() {
			out = append(out, fmt.Sprintf("stream record %s: failed %d times, last at %s", f.EventID, f.Tries, f.At.Format(time.RFC3339)))
		}
		return out
	}
	feedCtx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	go st.Feeder.Run(feedCtx)

	// The scheduled rollup, on the local server's own timer.
	st.Rollup = &rollup.Runner{Store: st.Store, Log: st.Deps.Log, Lag: time.Second}
	if o.RollupEvery > 0 {
		go func() {
			tick := time.NewTicker(o.RollupEvery)
			defer tick.Stop()
			for {
				select {
				case <-feedCtx.Done():
					return
				case <-tick.C:
					if _, err := st.Rollup.Run(feedCtx); err != nil && feedCtx.Err() == nil {
						st.Deps.Log.Warn("rollup", "error", err.Error())
					}
				}
			}
		}()
	}

	mux := http.NewServeMux()
	if err := Mount(mux, t, st.Deps); err != nil {
		st.Close()
		return nil, err
	}
	mux.Handle("/_dev/", st.Mailbox.Handler())
	mux.HandleFunc("POST /_dev/expire-link", expireLinkHandler(st.Store))
	mux.HandleFunc("POST /_dev/digest", func(w http.ResponseWriter, r *http.Request) {
		n, err := st.Notifier.SendDigests(r.Context(), time.Now().UTC().Format(time.DateOnly))
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]int{"digests": n})
	})
	mux.HandleFunc("POST /_dev/rollup", func(w http.ResponseWriter, r *http.Request) {
		var res rollup.Result
		var err error
		if r.URL.Query().Get("rebuild") == "1" {
			rebuilder := *st.Rollup
			rs := *st.Store
			rs.Scanner = db
			rebuilder.Store = &rs
			res, err = rebuilder.Rebuild(r.Context(), 4)
		} else {
			res, err = st.Rollup.Run(r.Context())
		}
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(res)
	})
	mux.Handle("/", Portal(filepath.Join(o.Root, "portal", "dist")))
	st.Handler = mux
	return st, nil
}

// DynamoDBEndpoint is the DynamoDB Local the stack uses.
func (s *Stack) DynamoDBEndpoint() string { return s.endpoint }

// Close stops DynamoDB Local if the stack started it.
func (s *Stack) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	if s.DynamoDB != nil {
		s.DynamoDB.Stop()
	}
}

// signingKey is the session key: made once into dataDir/signing.key, or fresh for in-memory runs.
func signingKey(dataDir string) ([]byte, error) {
	if dataDir == "" {
		k := make([]byte, 32)
		_, err := rand.Read(k)
		return k, err
	}
	p := filepath.Join(dataDir, "signing.key")
	if b, err := os.ReadFile(p); err == nil {
		return base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(p, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return k, nil
}
