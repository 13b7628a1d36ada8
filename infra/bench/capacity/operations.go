package capacity

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/referloop/referloop/infra/bench/benchenv"
	"github.com/referloop/referloop/infra/bench/meter"
	"github.com/referloop/referloop/infra/seed"
	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/store"
)

// Operation is one API operation whose capacity is measured: a request sent once through its
// function's Lambda entry point (lambdahttp.Handler over the API's handler, fed a v2 event) with
// every DynamoDB call metered.
//
// To add one (a state transition, a patient status lookup…), append to Operations: a name, the
// request (Prepare may set state up first through World.Do — its calls are not counted), the
// status it must answer, and its floor from first principles; a budget if it has one.
type Operation struct {
	Name string
	// Prepare returns the request to measure, after any setup it needs.
	Prepare func(ctx context.Context, w *World) (benchenv.Request, error)
	// Want is the status the operation must answer.
	Want int
	// PerItem divides the read figures by the number of items the operation returned (lists).
	PerItem bool
	// Floor is what the operation must consume at least, from first principles, given what its own
	// calls (session check excluded) read and wrote; and the reasoning in a few words.
	Floor func(own []meter.Call, w *World) (meter.Units, string)
	// Budget, if any, on the operation's own units (per item for PerItem operations).
	Budget *Budget
}

// Budget is a capacity budget.
type Budget struct {
	Text string
	Met  func(own meter.Units) bool
}

// Operations are measured in this order.
var Operations = []Operation{
	{
		Name: "submit",
		Prepare: func(_ context.Context, w *World) (benchenv.Request, error) {
			w.LastSubmitKey, w.LastSubmitBody = benchenv.NewKey(), benchenv.SubmitBody(1)
			return w.Submit(w.LastSubmitKey, w.LastSubmitBody), nil
		},
		Want:   http.StatusCreated,
		Floor:  writeFloor("PutItem", "/R#…#…", "the referral item written once, plus once per index it lands in"),
		Budget: &Budget{"≤ 3 WCU", func(u meter.Units) bool { return u.Write <= 3 }},
	},
	{
		Name: "retried submit (same Idempotency-Key and body)",
		Prepare: func(ctx context.Context, w *World) (benchenv.Request, error) {
			key, body := benchenv.NewKey(), benchenv.SubmitBody(2)
			if status, b, err := w.Do(ctx, "setup", w.Submit(key, body)); err != nil || status != http.StatusCreated {
				return benchenv.Request{}, fmt.Errorf("first submit: %d %s %v", status, b, err)
			}
			return w.Submit(key, body), nil
		},
		Want: http.StatusCreated,
		Floor: func(own []meter.Call, _ *World) (meter.Units, string) {
			size := bytesOf(own, "PutItem", "/R#…#…")
			return meter.Units{Write: kb(size, 1024)}, fmt.Sprintf("one failed conditional put: the stored item (%d B) in 1 KB units", size)
		},
	},
	{
		Name: "transition (POST /v1/referrals/{id}/transitions: received → accepted)",
		Prepare: func(ctx context.Context, w *World) (benchenv.Request, error) {
			id, err := w.freshReferral(ctx, 3)
			if err != nil {
				return benchenv.Request{}, err
			}
			return benchenv.Request{Method: "POST", Path: "/v1/referrals/" + id + "/transitions", Body: []byte(`{"to":"accepted"}`),
				Header: http.Header{"If-Match": {`"1"`}}, Session: &w.Owner}, nil
		},
		Want: http.StatusOK,
		Floor: func(own []meter.Call, _ *World) (meter.Units, string) {
			after := bytesOf(own, "PutItem", "/R#…#…")
			return meter.Units{Read: 0.5, Write: kb(after, 1024) + 2},
				fmt.Sprintf("read the referral (0.5 RCU); write it (%d B) in the table, and move its GSI1 entry (the work queue's projection, under 1 KB): a delete and a put", after)
		},
	},
	{
		Name: "patient status lookup (POST /v1/status-lookups)",
		Prepare: func(ctx context.Context, w *World) (benchenv.Request, error) {
			id, err := w.freshReferral(ctx, 4)
			if err != nil {
				return benchenv.Request{}, err
			}
			// The notifier gives each new referral its code; here the setup does what it would.
			code, err := w.Signer.PatientCode(ctx, w.Demo.TenantID, id)
			if err != nil {
				return benchenv.Request{}, err
			}
			if err := w.Store.PutCode(ctx, auth.CodeHash(code), store.CodeMarker{TenantID: w.Demo.TenantID, ReferralID: id}, time.Now().Add(time.Hour)); err != nil {
				return benchenv.Request{}, err
			}
			body, _ := json.Marshal(map[string]string{"code": code, "dateOfBirth": "1980-04-02"})
			return benchenv.Request{Method: "POST", Path: "/v1/status-lookups", Body: body}, nil
		},
		Want: http.StatusOK,
		Floor: func(own []meter.Call, _ *World) (meter.Units, string) {
			return meter.Units{Read: 1}, "read the code marker and the referral (0.5 RCU each); the practice's name and phone and the per-address counter and audit record come on top"
		},
	},
	{
		Name: "referrer list (GET /v1/referrals, newest first)",
		Prepare: func(_ context.Context, w *World) (benchenv.Request, error) {
			return benchenv.Request{Method: "GET", Path: "/v1/referrals", Session: &w.Referrer}, nil
		},
		Want: http.StatusOK, PerItem: true,
		Floor:  queryFloor,
		Budget: &Budget{"≤ 0.5 RCU per referral", func(u meter.Units) bool { return u.Read <= 0.5 }},
	},
	{
		Name: "referral read (referrer)",
		Prepare: func(ctx context.Context, w *World) (benchenv.Request, error) {
			return benchenv.Request{Method: "GET", Path: "/v1/referrals/" + w.ReferralIDs[0], Session: &w.Referrer}, nil
		},
		Want:   http.StatusOK,
		Floor:  readFloor("GetItem", "/R#…#…", "one eventually consistent read of the referral item"),
		Budget: &Budget{"≤ 0.5 RCU", func(u meter.Units) bool { return u.Read <= 0.5 }},
	},
	{
		Name: "staff list (GET /v1/referrals, the practice's queue)",
		Prepare: func(_ context.Context, w *World) (benchenv.Request, error) {
			return benchenv.Request{Method: "GET", Path: "/v1/referrals", Session: &w.Owner}, nil
		},
		Want: http.StatusOK, PerItem: true,
		Floor:  queryFloor,
		Budget: &Budget{"≤ 0.5 RCU per referral", func(u meter.Units) bool { return u.Read <= 0.5 }},
	},
	{
		Name: "referral read (staff)",
		Prepare: func(ctx context.Context, w *World) (benchenv.Request, error) {
			return benchenv.Request{Method: "GET", Path: "/v1/referrals/" + w.ReferralIDs[0], Session: &w.Owner}, nil
		},
		Want:   http.StatusOK,
		Floor:  readFloor("GetItem", "/R#…#…", "one eventually consistent read of the referral item"),
		Budget: &Budget{"≤ 0.5 RCU", func(u meter.Units) bool { return u.Read <= 0.5 }},
	},
	{
		Name: "queue counts (GET /v1/queue)",
		Prepare: func(_ context.Context, w *World) (benchenv.Request, error) {
			return benchenv.Request{Method: "GET", Path: "/v1/queue", Session: &w.Owner}, nil
		},
		Want:   http.StatusOK,
		Floor:  readFloor("GetItem", "#QUEUE/COUNTS", "one eventually consistent read of the work queue's counter item, whatever the queue holds (before the counters: a COUNT query per status over every queue entry, 4.5 RCU for the demo's 16 referrals)"),
		Budget: &Budget{"≤ 0.5 RCU", func(u meter.Units) bool { return u.Read <= 0.5 }},
	},
	{
		Name: "profile read (GET /v1/practice)",
		Prepare: func(_ context.Context, w *World) (benchenv.Request, error) {
			return benchenv.Request{Method: "GET", Path: "/v1/practice", Session: &w.Owner}, nil
		},
		Want:  http.StatusOK,
		Floor: readFloor("GetItem", "/PROFILE", "one eventually consistent read of the practice item"),
	},
	{
		Name: "public profile (GET /v1/practices/{slug}/profile)",
		Prepare: func(_ context.Context, w *World) (benchenv.Request, error) {
			return benchenv.Request{Method: "GET", Path: "/v1/practices/" + seed.Slug + "/profile"}, nil
		},
		Want:  http.StatusOK,
		Floor: readFloor("GetItem", "/PROFILE", "one eventually consistent read of the practice item"),
	},
	{
		Name: "me (GET /v1/me)",
		Prepare: func(_ context.Context, w *World) (benchenv.Request, error) {
			return benchenv.Request{Method: "GET", Path: "/v1/me", Session: &w.Referrer}, nil
		},
		Want:  http.StatusOK,
		Floor: readFloor("GetItem", "/PROFILE", "one read of the practice item (its name and slug)"),
	},
	{
		Name: "sign-in link request (referrer)",
		Prepare: func(_ context.Context, w *World) (benchenv.Request, error) {
			b, _ := json.Marshal(map[string]string{"email": w.Demo.Referrer.Email, "practice": seed.Slug})
			return benchenv.Request{Method: "POST", Path: "/v1/auth/links", Body: b}, nil
		},
		Want: http.StatusAccepted,
		Floor: func(own []meter.Call, _ *World) (meter.Units, string) {
			return meter.Units{Read: 0.5, Write: 1}, "find the referrer (one read), store the link (one write)"
		},
	},
	{
		Name: "session confirm (referrer's link)",
		Prepare: func(ctx context.Context, w *World) (benchenv.Request, error) {
			token, err := w.SignInToken(ctx)
			if err != nil {
				return benchenv.Request{}, err
			}
			b, _ := json.Marshal(map[string]string{"token": token})
			return benchenv.Request{Method: "POST", Path: "/v1/auth/sessions", Body: b}, nil
		},
		Want: http.StatusOK,
		Floor: func(own []meter.Call, _ *World) (meter.Units, string) {
			return meter.Units{Write: 2}, "spend the link (one conditional delete that returns it), store the session (one write)"
		},
	},
	{
		Name: "sign-out (DELETE /v1/auth/sessions/current)",
		Prepare: func(ctx context.Context, w *World) (benchenv.Request, error) {
			s, _, err := w.NewReferrer(ctx, 0, fmt.Sprintf("signout-%d@northside.example", len(w.ReferralIDs)))
			if err != nil {
				return benchenv.Request{}, err
			}
			return benchenv.Request{Method: "DELETE", Path: "/v1/auth/sessions/current", Session: &s}, nil
		},
		Want: http.StatusNoContent,
		Floor: func(own []meter.Call, _ *World) (meter.Units, string) {
			return meter.Units{Write: 1}, "delete the session item"
		},
	},
}

// writeFloor: the item an operation writes, in 1 KB units, once on the table and once per index
// whose keys it carries.
func writeFloor(api, target, why string) func([]meter.Call, *World) (meter.Units, string) {
	return func(own []meter.Call, w *World) (meter.Units, string) {
		for _, c := range own {
			if c.API == api && strings.HasSuffix(c.Target, target) {
				n := 1 + len(w.IndexesHolding(c))
				return meter.Units{Write: float64(n) * kb(c.Bytes, 1024)},
					fmt.Sprintf("%s: %d B item × (table + %d index)", why, c.Bytes, n-1)
			}
		}
		return meter.Units{}, "no " + api + " of " + target
	}
}

// readFloor: one eventually consistent read of the item, in 4 KB units of 0.5 RCU.
func readFloor(api, target, why string) func([]meter.Call, *World) (meter.Units, string) {
	return func(own []meter.Call, _ *World) (meter.Units, string) {
		size := bytesOf(own, api, target)
		return meter.Units{Read: 0.5 * kb(size, 4096)}, fmt.Sprintf("%s (%d B)", why, size)
	}
}

// queryFloor: the items a list returned, read in one query: 0.5 RCU per 4 KB of their total size.
func queryFloor(own []meter.Call, _ *World) (meter.Units, string) {
	size, items := 0, 0
	for _, c := range own {
		if c.API == "Query" {
			size += c.Bytes
			items += c.Items
		}
	}
	return meter.Units{Read: 0.5 * kb(size, 4096)}, fmt.Sprintf("the %d items returned (%d B) read in one query", items, size)
}

func bytesOf(calls []meter.Call, api, target string) int {
	for _, c := range calls {
		if c.API == api && strings.HasSuffix(c.Target, target) {
			return c.Bytes
		}
	}
	return 0
}

// kb is size in units of unit bytes, rounded up, at least 1.
func kb(size, unit int) float64 { return math.Max(1, math.Ceil(float64(size)/float64(unit))) }

// freshReferral submits a new referral as the demo referrer (setup, not counted) and returns its id.
func (w *World) freshReferral(ctx context.Context, i int) (string, error) {
	status, b, err := w.Do(ctx, "setup", w.Submit(benchenv.NewKey(), benchenv.SubmitBody(i)))
	if err != nil || status != http.StatusCreated {
		return "", fmt.Errorf("setup submit: %d %s %v", status, b, err)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}
