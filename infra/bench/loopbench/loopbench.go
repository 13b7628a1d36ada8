// Package loopbench measures the closed loop's notification delay on the local stack: from a
// status change answered by the API to the referrer's email in the dev mailbox, and from a submit
// to its acknowledgement. The floor is DynamoDB Local's own stream delay, measured in the same run:
// a raw PutItem until a stream reader polling the same way sees it.
package loopbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/infra/bench/report"
	"github.com/referloop/referloop/infra/dynamodblocal"
	"github.com/referloop/referloop/infra/localserver"
	"github.com/referloop/referloop/infra/seed"
	"github.com/referloop/referloop/infra/streamfeed"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/store"
)

// Options size the run.
type Options struct {
	Root   string
	Rounds int // referrals to follow (default 20)
}

type client struct {
	base string
	http *http.Client
}

func (c *client) do(method, path string, body any, headers ...string) (int, http.Header, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	u := req.URL
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "rl_csrf" {
			req.Header.Set("X-CSRF-Token", ck.Value)
		}
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, res.Header, out, nil
}

func signIn(ctx context.Context, st *localserver.Stack, base string, l store.Link) (*client, error) {
	link, err := st.Deps.IssueLink(ctx, base, l)
	if err != nil {
		return nil, err
	}
	jar, _ := cookiejar.New(nil)
	c := &client{base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	code, _, _, err := c.do("POST", "/v1/auth/sessions", map[string]string{"token": link[strings.Index(link, "#token=")+7:]})
	if err != nil || code != 200 {
		return nil, fmt.Errorf("sign in %s: %d %v", l.Email, code, err)
	}
	return c, nil
}

// waitMail polls the mailbox (every millisecond) until a mail to `to` whose subject holds `about`
// arrives after n mails existed.
func waitMail(st *localserver.Stack, to, about string, since time.Time) (time.Duration, error) {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range st.Mailbox.Mails() {
			if m.To == to && strings.Contains(m.Subject, about) && !m.At.Before(since) {
				return m.At.Sub(since), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("no mail to %s about %q within 15 s", to, about)
}

// Run measures.
func Run(ctx context.Context, o Options) (report.Part, error) {
	part := report.Part{Name: "loop", Title: "6. The closed loop: notification delay", Machine: report.Machine()}
	if o.Rounds == 0 {
		o.Rounds = 20
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return part, err
	}
	base := "http://" + ln.Addr().String()
	st, err := localserver.Start(ctx, localserver.Options{Root: o.Root, Origin: base, Out: io.Discard})
	if err != nil {
		return part, err
	}
	defer st.Close()
	srv := &http.Server{Handler: st.Handler}
	go srv.Serve(ln)
	defer srv.Close()
	demo, _, err := seed.Run(ctx, st.Store, time.Now().UTC())
	if err != nil {
		return part, err
	}
	owner, err := signIn(ctx, st, base, store.Link{Purpose: store.LinkSignin, Email: seed.OwnerEmail, TenantID: demo.TenantID, Role: practice.RoleOwner})
	if err != nil {
		return part, err
	}
	ref, err := signIn(ctx, st, base, store.Link{Purpose: store.LinkSignin, Email: seed.ReferrerEmail, TenantID: demo.TenantID,
		Role: practice.RoleReferrer, PartnerID: demo.Referrer.PartnerID})
	if err != nil {
		return part, err
	}
	time.Sleep(2 * time.Second) // let the seed's own notifications drain
	var acks, updates []time.Duration
	for i := 0; i < o.Rounds; i++ {
		body := map[string]any{"patient": map[string]any{"firstName": "Bench", "lastName": "Patient", "dateOfBirth": "1980-01-01",
			"phone": "+1 415 555 0100", "consentToContact": true}, "reason": "Low back pain", "urgency": "routine"}
		sent := time.Now().UTC()
		code, _, out, err := ref.do("POST", "/v1/referrals", body, "Idempotency-Key", ids.NewULID(time.Now()))
		if err != nil || code != 201 {
			return part, fmt.Errorf("submit: %d %v", code, err)
		}
		d, err := waitMail(st, seed.ReferrerEmail, "received by", sent)
		if err != nil {
			return part, err
		}
		acks = append(acks, d)
		id := out["id"].(string)
		moved := time.Now().UTC()
		code, _, _, err = owner.do("POST", "/v1/referrals/"+id+"/transitions", map[string]any{"to": "accepted"}, "If-Match", fmt.Sprintf(`"%v"`, out["version"]))
		if err != nil || code != 200 {
			return part, fmt.Errorf("transition: %d %v", code, err)
		}
		d, err = waitMail(st, seed.ReferrerEmail, ": accepted", moved)
		if err != nil {
			return part, err
		}
		updates = append(updates, d)
	}

	// Floor: the stream's own delay, with the same polling.
	endpoint := st.DynamoDBEndpoint()
	reader, err := streamfeed.Open(ctx, endpoint, localserver.TableName)
	if err != nil {
		return part, err
	}
	db := dynamodblocal.Client(endpoint)
	var raw []time.Duration
	for i := 0; i < o.Rounds; i++ {
		k := ids.Short("bench_")
		start := time.Now()
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(localserver.TableName),
			Item: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: k}, "SK": &types.AttributeValueMemberS{Value: "x"}}}); err != nil {
			return part, err
		}
		for found := false; !found; {
			recs, err := reader.Next(ctx)
			if err != nil {
				return part, err
			}
			for _, r := range recs {
				if r.Change.Keys["PK"].String() == k {
					found = true
				}
			}
			if !found {
				time.Sleep(st.Feeder.Interval)
			}
		}
		raw = append(raw, time.Since(start))
	}
	p := func(d []time.Duration, q float64) float64 {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000
	}
	how := fmt.Sprintf("local stack in process; %d referrals; the notifier polls DynamoDB Local's stream every %s (in AWS: Lambda's stream poller plus the 1 s batching window, then SES)", o.Rounds, st.Feeder.Interval)
	floorIs := "a raw PutItem until a stream reader with the same polling sees it, same run"
	part.Rows = []report.Row{
		report.NewRow("notifier: status change → referrer's email, median", p(updates, 0.5), p(raw, 0.5), "ms", floorIs, how).WithDecimals(0),
		report.NewRow("notifier: status change → referrer's email, p90", p(updates, 0.9), p(raw, 0.9), "ms", floorIs, how).WithDecimals(0),
		report.NewRow("notifier: submit → acknowledgement email, median", p(acks, 0.5), p(raw, 0.5), "ms", floorIs, how).WithDecimals(0),
	}
	return part, nil
}
