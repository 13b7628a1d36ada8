// Package stack_test holds template.yaml to what a deployable stack needs (issue 12): the portal on
// CloudFront beside the API, origin access, security headers, the stack's secrets, alarms that tell
// someone, logs that expire, throttling, no fixed physical names, no circular dependencies, and
// samconfig.toml's two environments. None of it can run here (no AWS): these read the template as
// CloudFormation and SAM would.
package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/referloop/referloop/infra/localserver"
	"github.com/referloop/referloop/infra/template"
)

type tpl struct {
	raw map[string]any
	fns *template.Template
}

func root(t *testing.T) string {
	t.Helper()
	p, err := template.Find()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(p)
}

func load(t *testing.T) tpl {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, b)
}

func parse(t *testing.T, b []byte) tpl {
	t.Helper()
	raw, err := template.ParseRaw(b)
	if err != nil {
		t.Fatal(err)
	}
	fns, err := template.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return tpl{raw: raw, fns: fns}
}

func (x tpl) resources() map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range m(x.raw["Resources"]) {
		out[id] = m(r)
	}
	return out
}

func (x tpl) ofType(typ string) []string {
	var ids []string
	for id, r := range x.resources() {
		if r["Type"] == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (x tpl) props(id string) map[string]any { return m(x.resources()[id]["Properties"]) }

func m(v any) map[string]any { r, _ := v.(map[string]any); return r }
func l(v any) []any          { r, _ := v.([]any); return r }
func s(v any) string         { r, _ := v.(string); return r }

// dig follows keys (and list indexes) into v.
func dig(v any, path ...string) any {
	for _, k := range path {
		if i, err := strconv.Atoi(k); err == nil {
			list := l(v)
			if i >= len(list) {
				return nil
			}
			v = list[i]
			continue
		}
		v = m(v)[k]
	}
	return v
}

// truthy and num read a scalar as YAML wrote it (the template reader keeps scalars as text).
func truthy(v any) bool { return v == true || v == "true" }

func num(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func isRef(v any, id string) bool { return s(m(v)["Ref"]) == id }

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// --- the portal ---

// TestPortalDistribution: one distribution serves the private bucket (default behaviour, with the SPA
// fallback function) and the API at /v1/* (uncached, every method, every header but Host, the
// origin secret, no function that could rewrite the API's answers); no custom error responses turn
// an API 403/404 into index.html; HTTPS only; a custom domain and its certificate when given.
func TestPortalDistribution(t *testing.T) {
	x := load(t)
	dists := x.ofType("AWS::CloudFront::Distribution")
	if len(dists) != 1 {
		t.Fatalf("distributions %v, want one", dists)
	}
	id := dists[0]
	dc := m(x.props(id)["DistributionConfig"])
	origins := map[string]map[string]any{}
	for _, o := range l(dc["Origins"]) {
		origins[s(m(o)["Id"])] = m(o)
	}
	def := m(dc["DefaultCacheBehavior"])
	portal := origins[s(def["TargetOriginId"])]
	if dig(portal, "DomainName", "Fn::GetAtt") != "PortalBucket.RegionalDomainName" || dig(portal, "OriginAccessControlId", "Fn::GetAtt") != "PortalOriginAccessControl.Id" {
		t.Errorf("default behaviour's origin %s, want the portal bucket through its origin access control", js(portal))
	}
	if def["ViewerProtocolPolicy"] != "redirect-to-https" {
		t.Errorf("default behaviour ViewerProtocolPolicy %v", def["ViewerProtocolPolicy"])
	}
	fa := l(def["FunctionAssociations"])
	if len(fa) != 1 || dig(fa[0], "EventType") != "viewer-request" || dig(fa[0], "FunctionARN", "Fn::GetAtt") != "SpaFallbackFunction.FunctionMetadata.FunctionARN" {
		t.Errorf("default behaviour's functions %s, want the SPA fallback on viewer-request", js(fa))
	}
	if _, ok := dc["CustomErrorResponses"]; ok {
		t.Errorf("CustomErrorResponses would answer the API's errors with the portal too: %s", js(dc["CustomErrorResponses"]))
	}
	var api map[string]any
	for _, b := range l(dc["CacheBehaviors"]) {
		if dig(b, "PathPattern") == "/v1/*" {
			api = m(b)
		}
	}
	if api == nil {
		t.Fatal("no /v1/* behaviour")
	}
	o := origins[s(api["TargetOriginId"])]
	if got := s(dig(o, "DomainName", "Fn::Sub")); got != "${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}" {
		t.Errorf("/v1/* goes to %q, want the HTTP API's execute-api host", got)
	}
	if dig(o, "CustomOriginConfig", "OriginProtocolPolicy") != "https-only" {
		t.Errorf("/v1/* origin protocol %v", dig(o, "CustomOriginConfig", "OriginProtocolPolicy"))
	}
	headers := l(o["OriginCustomHeaders"])
	if len(headers) != 1 || dig(headers[0], "HeaderName") != "X-Origin-Verify" ||
		s(dig(headers[0], "HeaderValue", "Fn::Sub")) != "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}" {
		t.Errorf("/v1/* origin headers %s, want X-Origin-Verify from OriginVerifySecret", js(headers))
	}
	const cachingDisabled, allViewerExceptHost = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	if api["CachePolicyId"] != cachingDisabled || api["OriginRequestPolicyId"] != allViewerExceptHost {
		t.Errorf("/v1/* cache policy %v, origin request policy %v; want CachingDisabled and AllViewerExceptHostHeader", api["CachePolicyId"], api["OriginRequestPolicyId"])
	}
	methods := []string{}
	for _, v := range l(api["AllowedMethods"]) {
		methods = append(methods, s(v))
	}
	sort.Strings(methods)
	if strings.Join(methods, " ") != "DELETE GET HEAD OPTIONS PATCH POST PUT" {
		t.Errorf("/v1/* methods %v, want all seven", methods)
	}
	if api["ViewerProtocolPolicy"] != "https-only" {
		t.Errorf("/v1/* ViewerProtocolPolicy %v (a redirect would turn a POST into a GET)", api["ViewerProtocolPolicy"])
	}
	for _, f := range l(api["FunctionAssociations"]) {
		if strings.HasPrefix(s(dig(f, "FunctionARN", "Fn::GetAtt")), "SpaFallbackFunction.") {
			t.Errorf("the SPA fallback runs on /v1/* too")
		}
	}
	for _, b := range []map[string]any{def, api} {
		if !isRef(b["ResponseHeadersPolicyId"], "PortalHeadersPolicy") {
			t.Errorf("behaviour %v lacks the headers policy", b["PathPattern"])
		}
	}
	// A custom domain when given: its aliases and certificate under HasPortalDomain.
	if js(dc["Aliases"]) != js(map[string]any{"Fn::If": []any{"HasPortalDomain", []any{ref("PortalDomainName")}, ref("AWS::NoValue")}}) {
		t.Errorf("Aliases %s", js(dc["Aliases"]))
	}
	vc := l(dig(dc, "ViewerCertificate", "Fn::If"))
	if len(vc) != 3 || vc[0] != "HasPortalDomain" || !isRef(dig(vc[1], "AcmCertificateArn"), "PortalCertificateArn") ||
		dig(vc[1], "SslSupportMethod") != "sni-only" || !truthy(dig(vc[2], "CloudFrontDefaultCertificate")) {
		t.Errorf("ViewerCertificate %s", js(dc["ViewerCertificate"]))
	}
	cond := m(x.raw["Conditions"])
	if js(cond["HasPortalDomain"]) != js(map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{ref("PortalDomainName"), ""}}}}) {
		t.Errorf("HasPortalDomain %s", js(cond["HasPortalDomain"]))
	}
	// The certificate must be in us-east-1 (CloudFront's region).
	if p := s(dig(x.raw, "Parameters", "PortalCertificateArn", "AllowedPattern")); !strings.Contains(p, ":acm:us-east-1:") {
		t.Errorf("PortalCertificateArn's pattern %q does not require us-east-1", p)
	}
}

// TestPortalOriginWithoutASecondDeploy: the functions know the portal's origin from the first
// deploy: the custom domain's, or else (no origin can be given to the API's functions, which the
// distribution depends on) the viewer's host the /v1/* function forwards, and the notifier gets the
// distribution's name.
func TestPortalOriginWithoutASecondDeploy(t *testing.T) {
	x := load(t)
	g := dig(x.raw, "Globals", "Function", "Environment", "Variables", "PORTAL_ORIGIN")
	if js(g) != js(map[string]any{"Fn::If": []any{"HasPortalDomain", map[string]any{"Fn::Sub": "https://${PortalDomainName}"}, ""}}) {
		t.Errorf("Globals PORTAL_ORIGIN %s", js(g))
	}
	n := dig(x.props("NotifierFunction"), "Environment", "Variables", "PORTAL_ORIGIN")
	if !strings.Contains(js(n), "${PortalDistribution.DomainName}") || !strings.Contains(js(n), "${PortalDomainName}") {
		t.Errorf("the notifier's PORTAL_ORIGIN %s, want the custom domain or the distribution's name", js(n))
	}
	var api map[string]any
	for _, b := range l(dig(x.props("PortalDistribution"), "DistributionConfig", "CacheBehaviors")) {
		if dig(b, "PathPattern") == "/v1/*" {
			api = m(b)
		}
	}
	var host string
	for _, f := range l(api["FunctionAssociations"]) {
		host, _, _ = strings.Cut(s(dig(f, "FunctionARN", "Fn::GetAtt")), ".")
	}
	code := s(x.props(host)["FunctionCode"])
	if !strings.Contains(code, "x-viewer-host") || !strings.Contains(code, "request.headers.host") ||
		!strings.Contains(code, "x-viewer-address") || !strings.Contains(code, "event.viewer.ip") {
		t.Errorf("the /v1/* function %s does not forward the viewer's host and address:\n%s", host, code)
	}
}

// TestCloudFrontFunctions runs each CloudFront Function's code under node with the requests it
// must handle: the SPA fallback turns client-side routes into /index.html and leaves files and the
// API alone; the API's host function forwards the viewer's host and overwrites a forged one.
func TestCloudFrontFunctions(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	x := load(t)
	run := func(id string, event map[string]any) map[string]any {
		t.Helper()
		code := s(x.props(id)["FunctionCode"])
		ev, _ := json.Marshal(event)
		out, err := exec.Command(node, "-e", code+"\nprocess.stdout.write(JSON.stringify(handler("+string(ev)+")));").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", id, err, out)
		}
		var r map[string]any
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%s: %v\n%s", id, err, out)
		}
		return r
	}
	for uri, want := range map[string]string{
		"/": "/index.html", "/refer": "/index.html", "/referrals/p_1.r_2.01JD": "/index.html", "/p/lakeside-physical-therapy": "/index.html",
		"/auth": "/index.html", "/assets/index-3f2a.js": "/assets/index-3f2a.js", "/favicon.ico": "/favicon.ico",
		"/practice/referrals/p_1.r_2.01JD": "/index.html", "/assets/chunk.1.css": "/assets/chunk.1.css",
		"/index.html": "/index.html", "/v1/me": "/v1/me", "/v1/practices/lakeside/profile": "/v1/practices/lakeside/profile",
	} {
		r := run("SpaFallbackFunction", map[string]any{"request": map[string]any{"uri": uri, "method": "GET", "headers": map[string]any{}}})
		if got := s(r["uri"]); got != want {
			t.Errorf("SPA fallback: %s → %s, want %s", uri, got, want)
		}
	}
	r := run("ApiViewerHostFunction", map[string]any{"viewer": map[string]any{"ip": "2001:db8::7"},
		"request": map[string]any{"uri": "/v1/me", "method": "GET",
			"headers": map[string]any{"host": map[string]any{"value": "d111.cloudfront.net"}, "x-viewer-host": map[string]any{"value": "evil.example"},
				"x-viewer-address": map[string]any{"value": "192.0.2.1"}}}})
	if got, addr := dig(r, "headers", "x-viewer-host", "value"), dig(r, "headers", "x-viewer-address", "value"); got != "d111.cloudfront.net" ||
		addr != "2001:db8::7" || r["uri"] != "/v1/me" {
		t.Errorf("API host function (a forged host and address must be overwritten): %s", js(r))
	}
}

// TestOriginAccess: the bucket is private (every public access block, owner-enforced objects); only
// CloudFront reads it, for this distribution only (origin access control, SigV4); plain HTTP is
// refused.
func TestOriginAccess(t *testing.T) {
	x := load(t)
	b := x.props("PortalBucket")
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if !truthy(dig(b, "PublicAccessBlockConfiguration", k)) {
			t.Errorf("PortalBucket %s is not true", k)
		}
	}
	if dig(b, "OwnershipControls", "Rules", "0", "ObjectOwnership") != "BucketOwnerEnforced" {
		t.Errorf("PortalBucket ownership %s", js(b["OwnershipControls"]))
	}
	if _, ok := b["WebsiteConfiguration"]; ok {
		t.Error("PortalBucket is a website endpoint (public); CloudFront reads it through its REST endpoint")
	}
	oac := m(x.props("PortalOriginAccessControl")["OriginAccessControlConfig"])
	if oac["OriginAccessControlOriginType"] != "s3" || oac["SigningBehavior"] != "always" || oac["SigningProtocol"] != "sigv4" {
		t.Errorf("origin access control %s", js(oac))
	}
	pol := x.props("PortalBucketPolicy")
	if !isRef(pol["Bucket"], "PortalBucket") {
		t.Errorf("bucket policy on %v", pol["Bucket"])
	}
	var allows, tlsDeny int
	for _, st := range l(dig(pol, "PolicyDocument", "Statement")) {
		switch dig(st, "Effect") {
		case "Allow":
			allows++
			if !strings.HasPrefix(s(dig(st, "Principal", "Service", "Fn::Sub")), "cloudfront.") || dig(st, "Action") != "s3:GetObject" {
				t.Errorf("an Allow to %s of %v: only CloudFront may read", js(dig(st, "Principal")), dig(st, "Action"))
			}
			src := s(dig(st, "Condition", "StringEquals", "AWS:SourceArn", "Fn::Sub"))
			if !strings.HasSuffix(src, ":distribution/${PortalDistribution}") {
				t.Errorf("CloudFront reads for %q, want this distribution only", src)
			}
		case "Deny":
			if dig(st, "Condition", "Bool", "aws:SecureTransport") == "false" {
				tlsDeny++
			}
		}
	}
	if allows != 1 || tlsDeny != 1 {
		t.Errorf("%d Allow statements and %d TLS denials, want one of each", allows, tlsDeny)
	}
}

// TestHeadersPolicy: CSP (the local server's, which the portal is tested under), HSTS for a year or
// more, nosniff, Referrer-Policy no-referrer, no framing (frame-ancestors 'none' and DENY), each
// overriding what the origin sent.
func TestHeadersPolicy(t *testing.T) {
	x := load(t)
	sh := m(dig(x.props("PortalHeadersPolicy"), "ResponseHeadersPolicyConfig", "SecurityHeadersConfig"))
	csp := s(dig(sh, "ContentSecurityPolicy", "ContentSecurityPolicy"))
	if csp != localserver.PortalCSP {
		t.Errorf("CloudFront's CSP\n  %s\nis not the local server's (the one the portal's tests run under)\n  %s", csp, localserver.PortalCSP)
	}
	if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	if age := num(dig(sh, "StrictTransportSecurity", "AccessControlMaxAgeSec")); age < 31536000 {
		t.Errorf("HSTS max-age %v, want a year or more", dig(sh, "StrictTransportSecurity", "AccessControlMaxAgeSec"))
	}
	if dig(sh, "ReferrerPolicy", "ReferrerPolicy") != "no-referrer" || dig(sh, "FrameOptions", "FrameOption") != "DENY" {
		t.Errorf("referrer %v, frame %v", dig(sh, "ReferrerPolicy"), dig(sh, "FrameOptions"))
	}
	for _, k := range []string{"ContentSecurityPolicy", "StrictTransportSecurity", "ContentTypeOptions", "ReferrerPolicy", "FrameOptions"} {
		if !truthy(dig(sh, k, "Override")) {
			t.Errorf("%s does not override the origin's", k)
		}
	}
}

// --- secrets ---

// TestSecrets: the signing key is generated by the stack (no manual step) with at least 256 bits,
// given to every function in Globals and readable only by the functions that sign; the origin secret
// is generated too, and the same value reaches CloudFront and the functions.
func TestSecrets(t *testing.T) {
	x := load(t)
	for id, minLen := range map[string]int{"SigningKeySecret": 43, "OriginVerifySecret": 32} { // 43 of 62 characters ≥ 256 bits
		g := m(x.props(id)["GenerateSecretString"])
		if n := num(g["PasswordLength"]); n < minLen || !truthy(g["ExcludePunctuation"]) {
			t.Errorf("%s generates %s, want %d or more letters and digits", id, js(g), minLen)
		}
		if x.resources()[id]["Type"] != "AWS::SecretsManager::Secret" {
			t.Errorf("%s is a %v", id, x.resources()[id]["Type"])
		}
	}
	env := m(dig(x.raw, "Globals", "Function", "Environment", "Variables"))
	if !isRef(env["SIGNING_KEY_SECRET"], "SigningKeySecret") {
		t.Errorf("Globals SIGNING_KEY_SECRET %s", js(env["SIGNING_KEY_SECRET"]))
	}
	if s(dig(env["ORIGIN_VERIFY"], "Fn::Sub")) != "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}" {
		t.Errorf("Globals ORIGIN_VERIFY %s", js(env["ORIGIN_VERIFY"]))
	}
	granted := 0
	for _, f := range x.fns.Functions {
		for _, p := range l(x.props(f.LogicalID)["Policies"]) {
			for _, st := range l(m(p)["Statement"]) {
				if strings.Contains(js(dig(st, "Action")), "secretsmanager:") {
					granted++
					if dig(st, "Action") != "secretsmanager:GetSecretValue" || !isRef(dig(st, "Resource"), "SigningKeySecret") {
						t.Errorf("%s: %s on %s, want secretsmanager:GetSecretValue on the signing key's secret only", f.LogicalID, js(dig(st, "Action")), js(dig(st, "Resource")))
					}
				}
			}
		}
	}
	if granted == 0 {
		t.Error("no function may read the signing key's secret")
	}
}

// --- someone is told ---

type alarm struct {
	id    string
	props map[string]any
}

// metrics lists an alarm's metrics as namespace/name with their dimensions.
func (a alarm) metrics() []string {
	var out []string
	add := func(ns, name any, dims any) {
		var d []string
		for _, x := range l(dims) {
			d = append(d, s(dig(x, "Name"))+"="+js(dig(x, "Value")))
		}
		sort.Strings(d)
		out = append(out, fmt.Sprintf("%s/%s %s", ns, name, strings.Join(d, ",")))
	}
	if a.props["MetricName"] != nil {
		add(a.props["Namespace"], a.props["MetricName"], a.props["Dimensions"])
	}
	for _, q := range l(a.props["Metrics"]) {
		if st := dig(q, "MetricStat", "Metric"); st != nil {
			add(dig(st, "Namespace"), dig(st, "MetricName"), dig(st, "Dimensions"))
		}
	}
	return out
}

// TestAlarmsTellSomeone: every alarm notifies the alarm topic, which emails AlarmEmail; and there is
// an alarm for each thing issue 12 lists: API 5xx rate, each function's errors and throttles, the
// stream's iterator age, every dead-letter queue's depth (stream, rollup, digest), every table's
// throttles, SES bounces and complaints.
func TestAlarmsTellSomeone(t *testing.T) {
	x := load(t)
	if x.resources()["AlarmTopic"]["Type"] != "AWS::SNS::Topic" {
		t.Fatal("no AlarmTopic")
	}
	sub := x.resources()["AlarmEmailSubscription"]
	if sub["Condition"] != "HasAlarmEmail" || dig(sub, "Properties", "Protocol") != "email" || !isRef(dig(sub, "Properties", "Endpoint"), "AlarmEmail") ||
		!isRef(dig(sub, "Properties", "TopicArn"), "AlarmTopic") {
		t.Errorf("AlarmEmailSubscription %s", js(sub))
	}
	have := map[string]bool{}
	for _, id := range x.ofType("AWS::CloudWatch::Alarm") {
		a := alarm{id, x.props(id)}
		for _, k := range []string{"AlarmActions", "OKActions"} {
			if !slices.ContainsFunc(l(a.props[k]), func(v any) bool { return isRef(v, "AlarmTopic") }) {
				t.Errorf("%s: %s %s does not notify AlarmTopic", id, k, js(a.props[k]))
			}
		}
		if a.props["AlarmDescription"] == nil {
			t.Errorf("%s has no description saying what broke", id)
		}
		for _, mt := range a.metrics() {
			have[mt] = true
		}
	}
	need := func(what, metric string) {
		t.Helper()
		if !have[metric] {
			t.Errorf("no alarm on %s (%s)", what, metric)
		}
	}
	for _, f := range x.fns.Functions {
		dim := "FunctionName=" + js(ref(f.LogicalID))
		need(f.LogicalID+" errors", "AWS/Lambda/Errors "+dim)
		need(f.LogicalID+" throttles", "AWS/Lambda/Throttles "+dim)
		for _, typ := range f.Events {
			if typ == "DynamoDB" {
				need(f.LogicalID+" stream iterator age", "AWS/Lambda/IteratorAge "+dim)
			}
		}
	}
	for _, q := range x.ofType("AWS::SQS::Queue") {
		need(q+" depth", "AWS/SQS/ApproximateNumberOfMessagesVisible QueueName="+js(map[string]any{"Fn::GetAtt": q + ".QueueName"}))
	}
	for _, tb := range x.ofType("AWS::DynamoDB::Table") {
		for _, op := range []string{"Read", "Write"} {
			need(tb+" throttles", "AWS/DynamoDB/"+op+"ThrottleEvents TableName="+js(ref(tb)))
		}
	}
	need("API errors", "AWS/ApiGateway/5xx ApiId="+js(ref("HttpApi")))
	need("API requests (the 5xx rate's denominator)", "AWS/ApiGateway/Count ApiId="+js(ref("HttpApi")))
	need("SES bounces", "AWS/SES/Reputation.BounceRate ")
	need("SES complaints", "AWS/SES/Reputation.ComplaintRate ")
	// The schedules' dead letters reach a queue that has an alarm.
	for _, f := range x.fns.Functions {
		for name, typ := range f.Events {
			if typ != "ScheduleV2" {
				continue
			}
			arn := dig(x.props(f.LogicalID), "Events", name, "Properties", "DeadLetterConfig", "Arn", "Fn::GetAtt")
			if q, _ := strings.CutSuffix(s(arn), ".Arn"); x.resources()[q]["Type"] != "AWS::SQS::Queue" {
				t.Errorf("%s's schedule %s has no dead-letter queue (%v)", f.LogicalID, name, arn)
			}
		}
	}
}

// TestLogRetention: every function logs to a log group of its own that expires after
// LogRetentionDays and is encrypted with a key the logs service may use; the API's access log too,
// in JSON, with the route, status, latency and request id and nothing of the path or query string.
func TestLogRetention(t *testing.T) {
	x := load(t)
	checkGroup := func(who, id string) {
		t.Helper()
		r := x.resources()[id]
		if r["Type"] != "AWS::Logs::LogGroup" {
			t.Errorf("%s logs to %q, not a log group of the template", who, id)
			return
		}
		p := m(r["Properties"])
		if !isRef(p["RetentionInDays"], "LogRetentionDays") {
			t.Errorf("%s's log group %s keeps logs %s, want !Ref LogRetentionDays", who, id, js(p["RetentionInDays"]))
		}
		key, _, _ := strings.Cut(s(dig(p, "KmsKeyId", "Fn::GetAtt")), ".")
		if x.resources()[key]["Type"] != "AWS::KMS::Key" || !strings.Contains(js(x.props(key)["KeyPolicy"]), "logs.${AWS::Region}") {
			t.Errorf("%s's log group %s is not encrypted with a key the logs service may use (%s)", who, id, js(p["KmsKeyId"]))
		}
		if _, ok := p["LogGroupName"]; ok {
			t.Errorf("%s's log group %s has a fixed name", who, id)
		}
	}
	seen := map[string]string{}
	for _, f := range x.fns.Functions {
		lc := m(x.props(f.LogicalID)["LoggingConfig"])
		g := s(m(lc["LogGroup"])["Ref"])
		if prev, ok := seen[g]; ok {
			t.Errorf("%s and %s share log group %s", prev, f.LogicalID, g)
		}
		seen[g] = f.LogicalID
		checkGroup(f.LogicalID, g)
		if lc["LogFormat"] != "JSON" {
			t.Errorf("%s LogFormat %v, want JSON", f.LogicalID, lc["LogFormat"])
		}
	}
	if vals := l(dig(x.raw, "Parameters", "LogRetentionDays", "AllowedValues")); len(vals) == 0 {
		t.Error("LogRetentionDays takes any number; CloudWatch accepts only its list of periods")
	}
	als := m(x.props("HttpApi")["AccessLogSettings"])
	g, _, _ := strings.Cut(s(dig(als, "DestinationArn", "Fn::GetAtt")), ".")
	checkGroup("HttpApi access log", g)
	format := s(als["Format"])
	var fields map[string]string
	if err := json.Unmarshal([]byte(format), &fields); err != nil {
		t.Fatalf("the access log format is not JSON: %v\n%s", err, format)
	}
	for _, v := range []string{"$context.requestId", "$context.routeKey", "$context.status", "$context.responseLatency"} {
		if !strings.Contains(format, v) {
			t.Errorf("the access log lacks %s", v)
		}
	}
	for _, v := range []string{"$context.path", "querystring", "$context.identity", "$input", "$request"} {
		if strings.Contains(strings.ToLower(format), strings.ToLower(v)) {
			t.Errorf("the access log has %s (it may hold PHI)", v)
		}
	}
}

// --- throttling, WAF ---

// TestThrottling: the routes a caller needs no session for (status lookups, sign-up, links, previews,
// sessions, ratings) have their own limits below the stage's, and each named route exists.
func TestThrottling(t *testing.T) {
	x := load(t)
	p := x.props("HttpApi")
	def := m(p["DefaultRouteSettings"])
	routes := map[string]bool{}
	for _, f := range x.fns.Functions {
		for _, r := range f.Routes {
			routes[r.Pattern()] = true
		}
	}
	rs := m(p["RouteSettings"])
	for _, k := range []string{"POST /v1/status-lookups", "POST /v1/auth/links", "POST /v1/auth/link-previews", "POST /v1/auth/sessions", "POST /v1/practices"} {
		if _, ok := rs[k]; !ok {
			t.Errorf("no RouteSettings for %s", k)
		}
	}
	for k, v := range rs {
		if !routes[k] {
			t.Errorf("RouteSettings names %q, which is no route of the template", k)
		}
		rate, burst := num(dig(v, "ThrottlingRateLimit")), num(dig(v, "ThrottlingBurstLimit"))
		if rate <= 0 || burst <= 0 || rate >= num(def["ThrottlingRateLimit"]) || burst >= num(def["ThrottlingBurstLimit"]) {
			t.Errorf("%s: rate %v, burst %v; want positive and below the stage's %v/%v", k, rate, burst, def["ThrottlingRateLimit"], def["ThrottlingBurstLimit"])
		}
	}
	waf := x.resources()["PortalWebAcl"]
	rule := dig(waf, "Properties", "Rules", "0", "Statement", "RateBasedStatement")
	if waf["Condition"] != "WafEnabled" || dig(waf, "Properties", "Scope") != "CLOUDFRONT" || !isRef(dig(rule, "Limit"), "WafRateLimit") ||
		dig(rule, "AggregateKeyType") != "IP" {
		t.Errorf("PortalWebAcl %s", js(waf))
	}
	if js(dig(x.props("PortalDistribution"), "DistributionConfig", "WebACLId")) !=
		js(map[string]any{"Fn::If": []any{"WafEnabled", map[string]any{"Fn::GetAtt": "PortalWebAcl.Arn"}, ref("AWS::NoValue")}}) {
		t.Errorf("the distribution's WebACLId %s", js(dig(x.props("PortalDistribution"), "DistributionConfig", "WebACLId")))
	}
}

// --- a second stack beside the first ---

// physicalNames are the properties that name a resource in its account (and for CloudFront and WAF,
// account-wide across regions); required ones must be set.
var physicalNames = map[string]struct {
	paths    []string
	required bool
}{
	"AWS::DynamoDB::Table":                   {[]string{"TableName"}, false},
	"AWS::S3::Bucket":                        {[]string{"BucketName"}, false},
	"AWS::SQS::Queue":                        {[]string{"QueueName"}, false},
	"AWS::SNS::Topic":                        {[]string{"TopicName"}, false},
	"AWS::Logs::LogGroup":                    {[]string{"LogGroupName"}, false},
	"AWS::CloudWatch::Alarm":                 {[]string{"AlarmName"}, false},
	"AWS::IAM::Role":                         {[]string{"RoleName"}, false},
	"AWS::Serverless::Function":              {[]string{"FunctionName"}, false},
	"AWS::SecretsManager::Secret":            {[]string{"Name"}, false},
	"AWS::Backup::BackupVault":               {[]string{"BackupVaultName"}, true},
	"AWS::Backup::BackupPlan":                {[]string{"BackupPlan.BackupPlanName"}, true},
	"AWS::CloudFront::Function":              {[]string{"Name"}, true},
	"AWS::CloudFront::OriginAccessControl":   {[]string{"OriginAccessControlConfig.Name"}, true},
	"AWS::CloudFront::ResponseHeadersPolicy": {[]string{"ResponseHeadersPolicyConfig.Name"}, true},
	"AWS::WAFv2::WebACL":                     {[]string{"Name"}, true},
	// Named by what they hold or by no name at all:
	"AWS::KMS::Key":                   {},
	"AWS::S3::BucketPolicy":           {},
	"AWS::SNS::Subscription":          {},
	"AWS::Route53::RecordSetGroup":    {}, // the portal's own domain, a parameter
	"AWS::Backup::BackupSelection":    {}, // its name is within its plan
	"AWS::CloudFront::Distribution":   {},
	"AWS::Serverless::HttpApi":        {},
	"AWS::ApiGatewayV2::Api":          {},
	"AWS::Lambda::Permission":         {},
	"AWS::Lambda::EventSourceMapping": {},
}

// stackDerived reports whether v is built from the stack's name or id.
func stackDerived(v any) bool {
	j := js(v)
	return strings.Contains(j, "AWS::StackName") || strings.Contains(j, "AWS::StackId")
}

// TestNoFixedNames: every physical name is CloudFormation's own or carries the stack's name or id,
// and every schedule omits its name (SAM would name it <Function><Event>), so `make deploy
// STAGE=staging` makes a second stack beside the first in the same account and region.
func TestNoFixedNames(t *testing.T) {
	x := load(t)
	for id, r := range x.resources() {
		typ := s(r["Type"])
		pn, ok := physicalNames[typ]
		if !ok {
			t.Errorf("%s is a %s: add its name properties (or none) to physicalNames", id, typ)
			continue
		}
		for _, path := range pn.paths {
			v := dig(r["Properties"], strings.Split(path, ".")...)
			switch {
			case v == nil && pn.required:
				t.Errorf("%s needs %s, from the stack's name or id", id, path)
			case v != nil && !stackDerived(v):
				t.Errorf("%s %s is %s, fixed: a second stack would collide", id, path, js(v))
			}
		}
	}
	schedules := 0
	for _, f := range x.fns.Functions {
		for name, typ := range f.Events {
			if typ != "ScheduleV2" && typ != "Schedule" {
				continue
			}
			schedules++
			p := m(dig(x.props(f.LogicalID), "Events", name, "Properties"))
			if !truthy(p["OmitName"]) && !stackDerived(p["Name"]) {
				t.Errorf("%s's schedule %s gets the fixed name %s%s: set OmitName: true", f.LogicalID, name, f.LogicalID, name)
			}
		}
	}
	if schedules == 0 {
		t.Error("no schedules found: the test reads the wrong events")
	}
}

// --- no circular dependencies ---

var subVar = regexp.MustCompile(`\$\{([A-Za-z0-9:]+)(\.[A-Za-z0-9.]+)?\}`)

// refsOf lists the resources v refers to: Ref, Fn::GetAtt, Fn::Sub's ${X} and ${X.Attr}.
func refsOf(v any, resources map[string]map[string]any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				switch k {
				case "Ref":
					out = append(out, s(c))
				case "Fn::GetAtt":
					if str, ok := c.(string); ok {
						id, _, _ := strings.Cut(str, ".")
						out = append(out, id)
					} else {
						out = append(out, s(l(c)[0]))
					}
				case "Fn::Sub":
					str := s(c)
					if list := l(c); len(list) > 0 {
						str = s(list[0])
						walk(list[1:])
					}
					for _, mt := range subVar.FindAllStringSubmatch(str, -1) {
						out = append(out, mt[1])
					}
				default:
					walk(c)
				}
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	var res []string
	for _, id := range out {
		if _, ok := resources[id]; ok && !slices.Contains(res, id) {
			res = append(res, id)
		}
	}
	return res
}

// dependencies is the template's dependency graph as CloudFormation sees it after SAM's transform:
// each resource on what it refers to; a function also on what Globals refer to (SAM copies them
// in); the HTTP API also on every function routed to it (SAM writes each integration's function ARN
// into the API's definition); a function's events are resources of their own that depend on the
// function.
func dependencies(x tpl) map[string][]string {
	res := x.resources()
	deps := map[string][]string{}
	globals := refsOf(dig(x.raw, "Globals", "Function"), res)
	for id, r := range res {
		props := m(r["Properties"])
		if r["Type"] == "AWS::Serverless::Function" {
			rest := map[string]any{}
			for k, v := range props {
				if k != "Events" {
					rest[k] = v
				}
			}
			deps[id] = append(refsOf(rest, res), globals...)
			for name, ev := range m(props["Events"]) {
				node := id + "." + name
				deps[node] = append([]string{id}, refsOf(ev, res)...)
				if dig(ev, "Type") == "HttpApi" {
					api := s(dig(ev, "Properties", "ApiId", "Ref"))
					deps[api] = append(deps[api], id)
				}
			}
		} else {
			deps[id] = append(deps[id], refsOf(props, res)...)
		}
		switch d := r["DependsOn"].(type) {
		case string:
			deps[id] = append(deps[id], d)
		case []any:
			for _, x := range d {
				deps[id] = append(deps[id], s(x))
			}
		}
	}
	return deps
}

// cycle is a dependency cycle of deps, or nil.
func cycle(deps map[string][]string) []string {
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var path []string
	var found []string
	var visit func(n string) bool
	visit = func(n string) bool {
		switch state[n] {
		case open:
			i := slices.Index(path, n)
			found = append(append([]string{}, path[i:]...), n)
			return true
		case done:
			return false
		}
		state[n] = open
		path = append(path, n)
		next := append([]string{}, deps[n]...)
		sort.Strings(next)
		for _, d := range next {
			if visit(d) {
				return true
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return false
	}
	nodes := make([]string, 0, len(deps))
	for n := range deps {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		if visit(n) {
			return found
		}
	}
	return nil
}

// TestNoCircularDependencies: the portal's origin reaches the functions without a cycle (functions ←
// API ← distribution ← functions would be one); the check itself finds that cycle when it is made.
func TestNoCircularDependencies(t *testing.T) {
	x := load(t)
	if c := cycle(dependencies(x)); c != nil {
		t.Fatalf("circular dependency: %s", strings.Join(c, " → "))
	}
	b, err := os.ReadFile(filepath.Join(root(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(b), `PORTAL_ORIGIN: !If [HasPortalDomain, !Sub "https://${PortalDomainName}", ""]`,
		`PORTAL_ORIGIN: !Sub "https://${PortalDistribution.DomainName}"`, 1)
	if bad == string(b) {
		t.Fatal("Globals' PORTAL_ORIGIN line changed: update this test's counter-example")
	}
	if c := cycle(dependencies(parse(t, []byte(bad)))); c == nil || !slices.Contains(c, "PortalDistribution") || !slices.Contains(c, "HttpApi") {
		t.Errorf("giving every function the distribution's name is a cycle, but the check found %v", c)
	}
}

// --- make deploy ---

// samconfig reads samconfig.toml's tables (a TOML subset: [env.command.parameters] and key = value).
func samconfig(t *testing.T) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{"": {}}
	table := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			table = strings.Trim(line, "[]")
			out[table] = map[string]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("samconfig.toml: %q", line)
			}
			out[table][strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return out
}

// TestSamconfig: `make deploy` (default) and `make deploy STAGE=staging` deploy two stacks of their
// own, without a prompt (no changeset confirmation, no guided mode), with IAM capability for SAM's
// roles, an artifact bucket SAM manages, and the same template.
func TestSamconfig(t *testing.T) {
	c := samconfig(t)
	stacks := map[string]bool{}
	for _, env := range []string{"default", "staging"} {
		d := c[env+".deploy.parameters"]
		if d == nil {
			t.Errorf("samconfig.toml has no [%s.deploy.parameters]", env)
			continue
		}
		if d["stack_name"] == "" || stacks[d["stack_name"]] {
			t.Errorf("%s: stack_name %q (each environment needs its own)", env, d["stack_name"])
		}
		stacks[d["stack_name"]] = true
		for k, want := range map[string]string{"confirm_changeset": "false", "resolve_s3": "true", "fail_on_empty_changeset": "false"} {
			if d[k] != want {
				t.Errorf("%s: %s = %q, want %s", env, k, d[k], want)
			}
		}
		if !strings.Contains(d["capabilities"], "CAPABILITY_IAM") {
			t.Errorf("%s: capabilities %q", env, d["capabilities"])
		}
		if _, ok := d["parameter_overrides"]; ok {
			t.Errorf("%s: parameter_overrides in samconfig.toml would replace the stack's own values on every deploy", env)
		}
		if c[env+".build.parameters"] == nil {
			t.Errorf("samconfig.toml has no [%s.build.parameters]", env)
		}
	}
	mk, err := os.ReadFile(filepath.Join(root(t), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sam deploy --config-env $(STAGE)", "aws s3 sync", "aws cloudfront create-invalidation", "sam build --config-env $(STAGE)"} {
		if !strings.Contains(string(mk), want) {
			t.Errorf("the Makefile's deploy does not run %q", want)
		}
	}
	if strings.Contains(string(mk), "--guided") {
		t.Error("the Makefile runs sam deploy --guided (it asks seven times whether no authorization is OK)")
	}
}
