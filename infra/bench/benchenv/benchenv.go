// Package benchenv is what the benchmark parts share: DynamoDB Local with a fresh table shaped by
// template.yaml and seeded with the demo practice, sessions for its referrer and its owner, the
// API's handlers built over any DynamoDB client, API Gateway v2 events, and request bodies.
package benchenv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/referloop/referloop/infra/dynamodblocal"
	"github.com/referloop/referloop/infra/localserver"
	"github.com/referloop/referloop/infra/seed"
	"github.com/referloop/referloop/infra/template"
	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// Env is one benchmark part's world: a fresh table on DynamoDB Local with the demo practice.
type Env struct {
	Root     string
	Endpoint string
	Table    string
	Template *template.Template
	// DB is a plain client (no middleware) of the endpoint.
	DB *dynamodb.Client
	// Key is the session signing key (32 bytes), also given to bootstraps as SIGNING_KEY.
	Key     []byte
	Signer  *auth.Signer
	Store   *store.Store
	Mailbox *localserver.Mailbox
	Demo    seed.Demo
	// Referrer is a session of the demo referrer (Dr. Chen of Northside Family Medicine); Owner is
	// the demo practice's owner.
	Referrer Session
	Owner    Session

	server *dynamodblocal.Server
}

// Session is a signed-in person: the cookie values the API wants.
type Session struct {
	Token  string // rl_session
	CSRF   string // rl_csrf, also sent as X-CSRF-Token
	Claims auth.Claims
}

// CookieHeader is the Cookie header of the session.
func (s Session) CookieHeader() string {
	return auth.SessionCookie + "=" + s.Token + "; " + auth.CSRFCookie + "=" + s.CSRF
}

// Cookies are the session's cookies as an API Gateway v2 event lists them.
func (s Session) Cookies() []string {
	return []string{auth.SessionCookie + "=" + s.Token, auth.CSRFCookie + "=" + s.CSRF}
}

// Open connects to DynamoDB Local (DYNAMODB_ENDPOINT, as bin/with exports it, or one it starts),
// creates a fresh table named after part, seeds the demo practice and signs in its referrer and
// owner.
func Open(ctx context.Context, part string) (*Env, error) {
	tp, err := template.Find()
	if err != nil {
		return nil, err
	}
	e := &Env{Root: filepath.Dir(tp)}
	if e.Template, err = template.Load(tp); err != nil {
		return nil, err
	}
	e.Endpoint = os.Getenv("DYNAMODB_ENDPOINT")
	if e.Endpoint == "" {
		start, cancel := context.WithTimeout(ctx, 90*time.Second)
		e.server, err = dynamodblocal.Start(start, dynamodblocal.Options{Root: e.Root})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("DynamoDB Local: %w", err)
		}
		e.Endpoint = e.server.Endpoint
	}
	e.DB = dynamodblocal.Client(e.Endpoint)
	e.Table = fmt.Sprintf("bench-%s-%d", part, time.Now().UnixNano()%1e9)
	if err := dynamodblocal.EnsureTable(ctx, e.DB, e.Template, e.Table); err != nil {
		e.Close()
		return nil, err
	}
	e.Key = []byte(ids.Token(32))[:32]
	e.Signer = &auth.Signer{Issuer: awsenv.Issuer, Audience: awsenv.Audience, Source: auth.StaticKey(e.Key)}
	e.Store = store.New(e.DB, e.Table)
	e.Mailbox = &localserver.Mailbox{}
	if e.Demo, _, err = seed.Run(ctx, e.Store, time.Now().UTC()); err != nil {
		e.Close()
		return nil, fmt.Errorf("seed: %w", err)
	}
	// No stream runs here: the counters (the work queue's counts, the referrer's numbers) are set
	// from what the seed stored, as the rebuild sets them.
	load := func(ctx context.Context) ([]referral.Referral, error) {
		return e.Store.TenantReferrals(ctx, e.Demo.TenantID, e.Demo.PartnerIDs)
	}
	if err := e.Store.RepairCounters(ctx, e.Demo.TenantID, load, time.Now().UTC()); err != nil {
		e.Close()
		return nil, fmt.Errorf("counters: %w", err)
	}
	if e.Referrer, err = e.SignInReferrer(ctx, e.Demo.Referrer); err != nil {
		e.Close()
		return nil, err
	}
	if e.Owner, err = e.signIn(ctx, auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: ids.EmailKey(seed.OwnerEmail)},
		Tenant: e.Demo.TenantID, Role: practice.RoleOwner, Email: seed.OwnerEmail, Name: "Sam Rivera"}); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Close drops the tables and stops DynamoDB Local if Open started it.
func (e *Env) Close() {
	if e.DB != nil && e.Table != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		dynamodblocal.DropTables(ctx, e.DB, e.Template, e.Table)
		cancel()
	}
	if e.server != nil {
		e.server.Stop()
	}
}

// SignInReferrer issues a session for a referrer of the demo practice, as confirming a sign-in link
// would: the same claims, the same stored session item.
func (e *Env) SignInReferrer(ctx context.Context, r partner.Referrer) (Session, error) {
	p, err := e.Store.Partner(ctx, e.Demo.TenantID, r.PartnerID)
	if err != nil {
		return Session{}, err
	}
	return e.signIn(ctx, auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: ids.EmailKey(r.Email)},
		Tenant: e.Demo.TenantID, Role: practice.RoleReferrer, Email: r.Email, Name: r.Name,
		Partner: r.PartnerID, Referrer: r.ID, PartnerName: p.Name})
}

// NewReferrer adds a referrer of the demo practice's partner number i and signs them in.
func (e *Env) NewReferrer(ctx context.Context, i int, email string) (Session, partner.Referrer, error) {
	r, err := e.Store.EnsureReferrer(ctx, e.Demo.TenantID, partner.Referrer{ID: ids.Short("r_"),
		PartnerID: e.Demo.PartnerIDs[i], Email: email, Name: "Bench Referrer", CreatedAt: time.Now().UTC()})
	if err != nil {
		return Session{}, r, err
	}
	s, err := e.SignInReferrer(ctx, r)
	return s, r, err
}

func (e *Env) signIn(ctx context.Context, c auth.Claims) (Session, error) {
	token, c, err := e.Signer.Issue(ctx, c)
	if err != nil {
		return Session{}, err
	}
	if err := e.Store.PutSession(ctx, c.Tenant, c.Subject, c.ID, c.ExpiresAt.Time); err != nil {
		return Session{}, err
	}
	return Session{Token: token, CSRF: c.CSRF, Claims: c}, nil
}

// Client is a new client of the endpoint with opts (a capacity meter, a recorder).
func (e *Env) Client(opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.New(e.DB.Options(), opts...)
}

// limits are the product's daily limits raised past anything a benchmark sends: the benchmarks
// measure what the limits cost (a counter update per limit), never their refusals.
var limits = httpapi.Limits{
	Normal:               httpapi.Quotas{InvitesPerAddress: 1 << 30, InvitesPerPractice: 1 << 30, SubmitsPerReferrer: 1 << 30, SubmitsPerPractice: 1 << 30},
	New:                  httpapi.Quotas{InvitesPerAddress: 1 << 30, InvitesPerPractice: 1 << 30, SubmitsPerReferrer: 1 << 30, SubmitsPerPractice: 1 << 30},
	InvitesPerAddressAll: 1 << 30,
}

// Deps are the API's dependencies over db: the env's table, signing key and mailbox. Handlers log
// as in Lambda (one JSON line per request), to io.Discard.
func (e *Env) Deps(db *dynamodb.Client) *httpapi.Deps {
	return &httpapi.Deps{
		Limits:          &limits,
		Store:           store.New(db, e.Table),
		Signer:          &auth.Signer{Issuer: awsenv.Issuer, Audience: awsenv.Audience, Source: auth.StaticKey(e.Key)},
		Mailer:          e.Mailbox,
		Origin:          "http://127.0.0.1",
		InsecureCookies: true,
		Log:             slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}
}

// Mux mounts every API function of template.yaml at its routes over deps, as the local server
// does.
func (e *Env) Mux(deps *httpapi.Deps) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	return mux, localserver.Mount(mux, e.Template, deps)
}

// API returns the handler of one function of template.yaml (functions/<name>) and the function.
func (e *Env) API(name string, deps *httpapi.Deps) (http.Handler, template.Function, error) {
	f, ok := e.Template.Function(name)
	if !ok {
		return nil, f, fmt.Errorf("template.yaml has no function %s", name)
	}
	build, ok := httpapi.Builders[name]
	if !ok {
		return nil, f, fmt.Errorf("httpapi.Builders has no %s", name)
	}
	return build(deps).Handler(), f, nil
}

// FunctionOf names the function of template.yaml that serves method and path.
func (e *Env) FunctionOf(method, path string) (string, error) {
	probe, _ := http.NewRequest(method, path, nil)
	for _, f := range e.Template.Functions {
		mux := http.NewServeMux()
		for _, r := range f.Routes {
			mux.HandleFunc(r.Pattern(), func(http.ResponseWriter, *http.Request) {})
		}
		if _, pattern := mux.Handler(probe); pattern != "" {
			return f.Name, nil
		}
	}
	return "", fmt.Errorf("no function of template.yaml serves %s %s", method, path)
}

// ReferralIDs lists the ids of the demo referrer's referrals (the seeded dozen), newest first.
func (e *Env) ReferralIDs(ctx context.Context) ([]string, error) {
	page, err := e.Store.ReferralsByReferrer(ctx, e.Demo.TenantID, e.Demo.Referrer.PartnerID, e.Demo.Referrer.ID, "", 100, "")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range page.Items {
		out = append(out, r.ID)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the demo referrer has no referrals")
	}
	return out, nil
}

// CountReferrals counts the referrals one referrer sent (a paginated COUNT query on their prefix).
func (e *Env) CountReferrals(ctx context.Context, r partner.Referrer) (int, error) {
	in := &dynamodb.QueryInput{TableName: aws.String(e.Table), Select: types.SelectCount, ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: "T#" + e.Demo.TenantID + "#P#" + r.PartnerID},
			":p":  &types.AttributeValueMemberS{Value: "R#" + r.ID + "#"}}}
	n := 0
	for {
		out, err := e.DB.Query(ctx, in)
		if err != nil {
			return n, err
		}
		n += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// Warm runs n rounds of item reads, writes and queries so DynamoDB Local's JVM has compiled its
// paths before anything is timed.
func (e *Env) Warm(ctx context.Context, n int) error {
	for i := 0; i < n; i++ {
		item := map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: fmt.Sprintf("WARM#%d", i%50)}, "SK": &types.AttributeValueMemberS{Value: "W"},
			"GSI1PK": &types.AttributeValueMemberS{Value: "WARM"}, "GSI1SK": &types.AttributeValueMemberS{Value: fmt.Sprint(i)},
			"data": &types.AttributeValueMemberS{Value: strings.Repeat("x", 400)}}
		if _, err := e.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &e.Table, Item: item}); err != nil {
			return err
		}
		if _, err := e.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &e.Table,
			Key: map[string]types.AttributeValue{"PK": item["PK"], "SK": item["SK"]}}); err != nil {
			return err
		}
		if i%5 == 0 {
			if _, err := e.DB.Query(ctx, &dynamodb.QueryInput{TableName: &e.Table, IndexName: aws.String("GSI1"), Limit: aws.Int32(10),
				KeyConditionExpression:    aws.String("GSI1PK = :p"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": item["GSI1PK"]}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// SubmitBody is the body of a minimum referral, varied by i.
func SubmitBody(i int) []byte {
	first := []string{"Ana", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo"}
	body := map[string]any{
		"patient": map[string]any{"firstName": first[i%len(first)], "lastName": "Silva", "dateOfBirth": "1980-04-02",
			"phone": "+1 415 555 0142", "consentToContact": true, "consentToShareOutcomes": false},
		"reason": "Low back pain", "urgency": "routine", "formMillis": 84000,
	}
	b, _ := json.Marshal(body)
	return b
}

// NewKey is a fresh Idempotency-Key (a ULID of now).
func NewKey() string { return ids.NewULID(time.Now()) }

// Request is one API request, independent of how it is sent (net/http, a v2 event, vegeta).
type Request struct {
	Method  string
	Path    string // with the query string
	Body    []byte
	Header  http.Header
	Session *Session
}

// HTTP is the request as a net/http request (cookies and CSRF header set from the session).
func (r Request) HTTP(ctx context.Context, base string) *http.Request {
	var body io.Reader
	if r.Body != nil {
		body = strings.NewReader(string(r.Body))
	}
	req, _ := http.NewRequestWithContext(ctx, r.Method, base+r.Path, body)
	req.RemoteAddr = "198.51.100.7:40000"
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if r.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Session != nil {
		req.Header.Set("Cookie", r.Session.CookieHeader())
		if r.Method != http.MethodGet {
			req.Header.Set(auth.CSRFHeader, r.Session.CSRF)
		}
	}
	return req
}

// Event is the request as API Gateway (HTTP API, payload 2.0) hands it to a Lambda function.
// routeKey is the template route that matched ("POST /v1/referrals").
func (r Request) Event(routeKey string) events.APIGatewayV2HTTPRequest {
	path, query, _ := strings.Cut(r.Path, "?")
	h := map[string]string{"host": "api.referloop.example", "user-agent": "referloop-bench", "accept": "application/json"}
	for k, vs := range r.Header {
		h[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	if r.Body != nil {
		if _, ok := h["content-type"]; !ok {
			h["content-type"] = "application/json"
		}
	}
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: routeKey, RawPath: path, RawQueryString: query,
		Headers: h, Body: string(r.Body),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: routeKey, Stage: "$default", DomainName: "api.referloop.example", DomainPrefix: "api",
			RequestID: ids.Short("req"), TimeEpoch: time.Now().UnixMilli(), Time: time.Now().UTC().Format("02/Jan/2006:15:04:05 -0700"),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: r.Method, Path: path, Protocol: "HTTP/1.1",
				SourceIP: "198.51.100.7", UserAgent: "referloop-bench"}},
	}
	if r.Session != nil {
		ev.Cookies = r.Session.Cookies()
		if r.Method != http.MethodGet {
			ev.Headers[strings.ToLower(auth.CSRFHeader)] = r.Session.CSRF
		}
	}
	if params := pathParams(routeKey, path); len(params) > 0 {
		ev.PathParameters = params
	}
	return ev
}

// pathParams reads {name} segments of a route key's path out of path.
func pathParams(routeKey, path string) map[string]string {
	_, pattern, _ := strings.Cut(routeKey, " ")
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return nil
	}
	out := map[string]string{}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			out[strings.Trim(p, "{}")] = xs[i]
		}
	}
	return out
}

// RouteKey finds the template route of method and path ("GET /v1/referrals/{id}").
func (e *Env) RouteKey(method, path string) string {
	path, _, _ = strings.Cut(path, "?")
	probe, _ := http.NewRequest(method, path, nil)
	var keys []string
	for _, f := range e.Template.Functions {
		for _, r := range f.Routes {
			keys = append(keys, r.Pattern())
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		mux := http.NewServeMux()
		mux.HandleFunc(k, func(http.ResponseWriter, *http.Request) {})
		if _, p := mux.Handler(probe); p != "" {
			return k
		}
	}
	return method + " " + path
}

// SignInToken stores a fresh sign-in link of the demo referrer and returns its token, as the
// invitation email would carry it.
func (e *Env) SignInToken(ctx context.Context) (string, error) {
	token := ids.Token(auth.TokenBytes)
	now := time.Now().UTC()
	err := e.Store.PutLink(ctx, ids.Hash(token), store.Link{Purpose: store.LinkSignin, Email: e.Demo.Referrer.Email,
		TenantID: e.Demo.TenantID, Role: practice.RoleReferrer, PartnerID: e.Demo.Referrer.PartnerID, CreatedAt: now,
		ExpiresAt: now.Add(auth.LinkTTL)})
	return token, err
}

// StoredULIDs counts the referrals one referrer sent, by ULID (a paginated consistent query of
// their keys).
func (e *Env) StoredULIDs(ctx context.Context, r partner.Referrer) (map[string]int, error) {
	prefix := "R#" + r.ID + "#"
	in := &dynamodb.QueryInput{TableName: aws.String(e.Table), ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("SK"),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: "T#" + e.Demo.TenantID + "#P#" + r.PartnerID},
			":p":  &types.AttributeValueMemberS{Value: prefix}}}
	out := map[string]int{}
	for {
		page, err := e.DB.Query(ctx, in)
		if err != nil {
			return out, err
		}
		for _, it := range page.Items {
			if sk, ok := it["SK"].(*types.AttributeValueMemberS); ok {
				out[strings.TrimPrefix(sk.Value, prefix)]++
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
