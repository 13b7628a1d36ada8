package lambdaevents_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/infra/policy"
	"github.com/referloop/referloop/infra/template"
	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/notifier"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/store"
)

// Every function runs here as its Lambda would: with the store its main.go builds (an audit table
// only when it asks awsenv.Load for awsenv.Audit, as AUDIT_TABLE_NAME reaches it) over a DynamoDB
// client that checks each request against the function's IAM statements in template.yaml, so a
// call its policy would refuse in AWS fails its event here. The calls are also counted, and
// TestPoliciesAreNoWiderThanTheCalls fails on a grant no call of any event used.

var (
	policyOnce sync.Once
	policyTpl  *policy.Template
	localTpl   *template.Template
	policyErr  error

	usedMu sync.Mutex
	used   = map[string]map[string]bool{} // function logical id → grant line → used
)

func policies(t testing.TB) (*policy.Template, *template.Template) {
	t.Helper()
	policyOnce.Do(func() {
		root, err := dynamotest.Root()
		if err != nil {
			policyErr = err
			return
		}
		if policyTpl, policyErr = policy.Load(filepath.Join(root, "template.yaml")); policyErr != nil {
			return
		}
		localTpl, policyErr = template.Load(filepath.Join(root, "template.yaml"))
	})
	if policyErr != nil {
		t.Fatal(policyErr)
	}
	return policyTpl, localTpl
}

// mainNeeds lists the awsenv needs functions/<name>/main.go asks awsenv.Load for (Signing, Mail…).
func mainNeeds(t testing.TB, name string) map[string]bool {
	t.Helper()
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "functions", name, "main.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	needs := map[string]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Load" {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "awsenv" {
				for _, a := range call.Args {
					if sel, ok := a.(*ast.SelectorExpr); ok {
						needs[sel.Sel.Name] = true
					}
				}
			}
		}
		return true
	})
	return needs
}

// storeFor is the store functions/<name>/main.go would build over w's tables, its DynamoDB calls
// checked against the function's policy (failures reported on t).
func (w *world) storeFor(t testing.TB, name string) *store.Store {
	t.Helper()
	pt, tpl := policies(t)
	fn, ok := tpl.Function(name)
	if !ok {
		t.Fatalf("template.yaml has no function functions/%s", name)
	}
	base := w.deps.Store
	tables := map[string]string{}
	for _, id := range tpl.TableIDs() {
		tables[tpl.LocalName(id, base.Table)] = id
	}
	s := *base
	s.DB = &checkedDB{DB: base.DB, t: t, fn: fn.LogicalID, stmts: pt.Functions[fn.LogicalID], tables: tables}
	if !mainNeeds(t, name)["Audit"] {
		s.AuditTable = ""
	}
	return &s
}

// depsFor is w's Deps with the store of functions/<name> (storeFor).
func (w *world) depsFor(t testing.TB, name string) *httpapi.Deps {
	d := w.deps
	return &httpapi.Deps{Store: w.storeFor(t, name), Signer: d.Signer, Mailer: d.Mailer, Origin: d.Origin,
		InsecureCookies: d.InsecureCookies, Log: d.Log, Now: d.Now}
}

// checkedDB passes each call to DB after checking it against a function's IAM statements.
type checkedDB struct {
	store.DB
	t      testing.TB
	fn     string
	stmts  []policy.Statement
	tables map[string]string // table name → logical id
}

func (c *checkedDB) check(reqs ...policy.Request) {
	for _, r := range reqs {
		ok, why, err := policy.Allowed(c.stmts, r)
		if err != nil {
			c.t.Errorf("%s: %v", c.fn, err)
			continue
		}
		if !ok {
			c.t.Errorf("%s: template.yaml's policy refuses %s: %s", c.fn, r, why)
			continue
		}
		c.use(r)
	}
}

// use marks the function's grants r falls under as used.
func (c *checkedDB) use(r policy.Request) {
	usedMu.Lock()
	defer usedMu.Unlock()
	if used[c.fn] == nil {
		used[c.fn] = map[string]bool{}
	}
	for _, g := range policy.DynamoDBGrants(c.stmts) {
		if !policy.Like(g.Action, r.Action, true) || g.Resource != r.Resource() {
			continue
		}
		for _, k := range r.LeadingKeys {
			if policy.Like(g.Key, k, false) {
				used[c.fn][g.String()] = true
			}
		}
	}
}

func (c *checkedDB) request(action, table string) policy.Request {
	id, ok := c.tables[table]
	if !ok {
		c.t.Errorf("%s: %s on table %q, which is none of the template's tables", c.fn, action, table)
	}
	return policy.Request{Action: "dynamodb:" + action, Table: id}
}

func (c *checkedDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	r := c.request("GetItem", aws.ToString(in.TableName))
	r.LeadingKeys = []string{s(in.Key["PK"])}
	if in.ProjectionExpression != nil {
		r.Attributes = exprNames(in.ExpressionAttributeNames, aws.ToString(in.ProjectionExpression))
	}
	c.check(r)
	return c.DB.GetItem(ctx, in, o...)
}

func (c *checkedDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	r := c.request("PutItem", aws.ToString(in.TableName))
	r.LeadingKeys, r.ReturnValues = []string{s(in.Item["PK"])}, string(in.ReturnValues)
	r.Attributes = attrs(in.Item, in.ExpressionAttributeNames, aws.ToString(in.ConditionExpression))
	c.check(r)
	return c.DB.PutItem(ctx, in, o...)
}

func (c *checkedDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r := c.request("UpdateItem", aws.ToString(in.TableName))
	r.LeadingKeys, r.ReturnValues = []string{s(in.Key["PK"])}, string(in.ReturnValues)
	r.Attributes = attrs(in.Key, in.ExpressionAttributeNames, aws.ToString(in.UpdateExpression), aws.ToString(in.ConditionExpression))
	c.check(r)
	return c.DB.UpdateItem(ctx, in, o...)
}

func (c *checkedDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	r := c.request("DeleteItem", aws.ToString(in.TableName))
	r.LeadingKeys, r.ReturnValues = []string{s(in.Key["PK"])}, string(in.ReturnValues)
	r.Attributes = attrs(in.Key, in.ExpressionAttributeNames, aws.ToString(in.ConditionExpression))
	c.check(r)
	return c.DB.DeleteItem(ctx, in, o...)
}

var keyCondition = regexp.MustCompile(`^\s*(#?\w+)\s*=\s*(:\w+)`)

func (c *checkedDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	r := c.request("Query", aws.ToString(in.TableName))
	r.Index = aws.ToString(in.IndexName)
	m := keyCondition.FindStringSubmatch(aws.ToString(in.KeyConditionExpression))
	if m == nil {
		c.t.Errorf("%s: a Query whose key condition %q does not start with the partition key", c.fn, aws.ToString(in.KeyConditionExpression))
	} else {
		r.LeadingKeys = []string{s(in.ExpressionAttributeValues[m[2]])}
	}
	c.check(r)
	return c.DB.Query(ctx, in, o...)
}

func (c *checkedDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	// IAM authorizes each item of a transaction as its own action.
	for _, it := range in.TransactItems {
		var r policy.Request
		switch {
		case it.Put != nil:
			r = c.request("PutItem", aws.ToString(it.Put.TableName))
			r.LeadingKeys = []string{s(it.Put.Item["PK"])}
			r.Attributes = attrs(it.Put.Item, it.Put.ExpressionAttributeNames, aws.ToString(it.Put.ConditionExpression))
		case it.Update != nil:
			r = c.request("UpdateItem", aws.ToString(it.Update.TableName))
			r.LeadingKeys = []string{s(it.Update.Key["PK"])}
			r.Attributes = attrs(it.Update.Key, it.Update.ExpressionAttributeNames, aws.ToString(it.Update.UpdateExpression),
				aws.ToString(it.Update.ConditionExpression))
		case it.Delete != nil:
			r = c.request("DeleteItem", aws.ToString(it.Delete.TableName))
			r.LeadingKeys = []string{s(it.Delete.Key["PK"])}
			r.Attributes = attrs(it.Delete.Key, it.Delete.ExpressionAttributeNames, aws.ToString(it.Delete.ConditionExpression))
		case it.ConditionCheck != nil:
			r = c.request("ConditionCheckItem", aws.ToString(it.ConditionCheck.TableName))
			r.LeadingKeys = []string{s(it.ConditionCheck.Key["PK"])}
			r.Attributes = attrs(it.ConditionCheck.Key, it.ConditionCheck.ExpressionAttributeNames, aws.ToString(it.ConditionCheck.ConditionExpression))
		}
		c.check(r)
	}
	return c.DB.TransactWriteItems(ctx, in, o...)
}

func (c *checkedDB) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	for _, table := range slices.Sorted(func(yield func(string) bool) {
		for k := range in.RequestItems {
			if !yield(k) {
				return
			}
		}
	}) {
		r := c.request("BatchWriteItem", table)
		for _, wr := range in.RequestItems[table] {
			item := map[string]types.AttributeValue{}
			if wr.PutRequest != nil {
				item = wr.PutRequest.Item
			} else if wr.DeleteRequest != nil {
				item = wr.DeleteRequest.Key
			}
			r.LeadingKeys = append(r.LeadingKeys, s(item["PK"]))
			r.Attributes = append(r.Attributes, attrs(item, nil)...)
		}
		c.check(r)
	}
	return c.DB.BatchWriteItem(ctx, in, o...)
}

func s(v types.AttributeValue) string {
	if sv, ok := v.(*types.AttributeValueMemberS); ok {
		return sv.Value
	}
	return ""
}

// attrs is what dynamodb:Attributes holds for a write: the item's (or key's) attribute names and
// those its expressions name.
func attrs(item map[string]types.AttributeValue, aliases map[string]string, exprs ...string) []string {
	set := map[string]bool{}
	for k := range item {
		set[k] = true
	}
	for _, e := range exprs {
		for _, n := range exprNames(aliases, e) {
			set[n] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	exprToken = regexp.MustCompile(`:\w+|#\w+|[A-Za-z_][A-Za-z0-9_]*`)
	exprWords = map[string]bool{"set": true, "add": true, "remove": true, "delete": true, "and": true, "or": true, "not": true,
		"between": true, "in": true, "if_not_exists": true, "attribute_exists": true, "attribute_not_exists": true,
		"attribute_type": true, "begins_with": true, "contains": true, "size": true, "list_append": true}
)

// exprNames are the attribute names an expression refers to (#aliases resolved, :values skipped).
func exprNames(aliases map[string]string, expr string) []string {
	var out []string
	for _, tok := range exprToken.FindAllString(expr, -1) {
		switch {
		case strings.HasPrefix(tok, ":"):
		case strings.HasPrefix(tok, "#"):
			out = append(out, aliases[tok])
		case !exprWords[strings.ToLower(tok)]:
			out = append(out, tok)
		}
	}
	return out
}

// TestPoliciesAreNoWiderThanTheCalls: after every event of events/ ran through its function (the
// whole package's tests, in this binary), each DynamoDB grant of each function's policy was used by
// at least one call; a grant none used is wider than the code (or an event is missing). Skipped when
// only some tests run.
func TestPoliciesAreNoWiderThanTheCalls(t *testing.T) {
	t.Parallel() // runs after every sequential test: TestEvents, TestStreamEvents, TestScheduleEvents
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		t.Skip("needs every event test of the package to have run (no -run)")
	}
	if f := flag.Lookup("test.skip"); f != nil && f.Value.String() != "" {
		t.Skip("needs every event test of the package to have run (no -skip)")
	}
	pt, _ := policies(t)
	usedMu.Lock()
	defer usedMu.Unlock()
	for fn, stmts := range pt.Functions {
		for _, g := range policy.DynamoDBGrants(stmts) {
			if !used[fn][g.String()] {
				t.Errorf("%s is granted %s, which no call of any event in events/ used: narrow the policy, or add the event that needs it", fn, g)
			}
		}
	}
}

// TestMetricsAndDigestsWithinPolicy runs through their functions' checked stores what events/ has no
// event for: the metrics function's two routes, and the notifier's daily digest (queued by a status
// change of a referrer whose office chose a digest, then sent by the schedule's task).
func TestMetricsAndDigestsWithinPolicy(t *testing.T) {
	w := newWorld(t, eventsDir(t), want{})
	ctx := context.Background()
	token, _ := w.issueSession(t, owner)
	h := httpapi.Metrics(w.depsFor(t, "metrics")).Handler()
	for _, path := range []string{"/v1/metrics", "/v1/metrics?groupBy=source", "/v1/partners/" + w.demo.Referrer.PartnerID + "/scorecard"} {
		w.ageSessions(t) // a session in use records its use here too
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: token})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
	}

	p, err := w.deps.Store.Partner(ctx, w.demo.TenantID, w.demo.Referrer.PartnerID)
	if err != nil {
		t.Fatal(err)
	}
	p.StatusUpdates = partner.UpdatesDigest
	if err := w.deps.Store.UpdatePartner(ctx, w.demo.TenantID, p); err != nil {
		t.Fatal(err)
	}
	if resp := w.invokeStream(t, "notifier.stream-batch"); len(resp.BatchItemFailures) > 0 {
		t.Fatalf("stream batch: %+v", resp.BatchItemFailures)
	}
	// Queued for the hour the practice's local day ends in (local10: days end at local midnight).
	pr, err := w.deps.Store.Practice(ctx, w.demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	task := fmt.Sprintf(`{"task": %q, "day": %q}`, notifier.DigestTask, notifier.DigestKeyFor(time.Now(), pr.Location()))
	out, err := w.notifier(t).Invoke(ctx, json.RawMessage(task))
	if err != nil || fmt.Sprint(out) != "map[digests:1]" {
		t.Errorf("digest task: %v, %v; want one digest sent", out, err)
	}
}
