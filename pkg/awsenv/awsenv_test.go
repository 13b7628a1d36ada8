package awsenv

import (
	"encoding/base64"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"gopkg.in/yaml.v3"

	"github.com/referloop/referloop/pkg/auth"
)

// lambdaEnv is what template.yaml's Globals give a function in AWS (SIGNING_KEY and
// DYNAMODB_ENDPOINT empty), with the variables Lambda itself sets.
func lambdaEnv() map[string]string {
	return map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
		"TABLE_NAME": "referloop-Table-1ABC", "AUDIT_TABLE_NAME": "referloop-AuditTable-2DEF",
		"SENDER_EMAIL": "no-reply@referloop.example", "PORTAL_ORIGIN": "https://app.referloop.example",
		"DYNAMODB_ENDPOINT": "", "SIGNING_KEY": "", "SERVICES_ENDPOINT": "",
		"SIGNING_KEY_SECRET": "arn:aws:secretsmanager:us-east-1:123456789012:secret:SigningKeySecret-AbCdEf",
		"ORIGIN_VERIFY":      "Zk3q9XbV0pLmN2rT7yWc4hGd8sJf1eKa6uQo5iBx",
		"SMS_COUNTRIES":      "US,CA", "SMS_PER_PRACTICE_MONTH": "1000", "SMS_PER_MONTH": "20000",
	}
}

func with(env map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestLoad(t *testing.T) {
	t.Parallel()
	key32 := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	all := []Need{Signing, Mail, Links, Audit, Texts, HTTP}
	for _, c := range []struct {
		name  string
		env   map[string]string
		needs []Need
		bad   []string // variables the error must name; none: Load succeeds
		check func(t *testing.T, c Config)
	}{
		{name: "AWS, every need", env: lambdaEnv(), needs: all, check: func(t *testing.T, c Config) {
			if c.Table != "referloop-Table-1ABC" || c.AWS.Region != "us-east-1" || c.SigningKey != nil ||
				c.SigningKeySecret != lambdaEnv()["SIGNING_KEY_SECRET"] || c.OriginVerify != lambdaEnv()["ORIGIN_VERIFY"] ||
				c.AWS.BaseEndpoint != nil || c.Sender != "no-reply@referloop.example" ||
				c.PortalOrigin != "https://app.referloop.example" || c.DynamoDBEndpoint != "" || c.AuditTable != "referloop-AuditTable-2DEF" {
				t.Errorf("config %+v", c)
			}
			if s := c.Store(); s.Table != c.Table || s.AuditTable != c.AuditTable {
				t.Errorf("store over %q and %q", s.Table, s.AuditTable)
			}
			if k, ok := c.KeySource().(SecretKeys); !ok || k.ID != c.SigningKeySecret {
				t.Errorf("key source %T, want the secret", c.KeySource())
			}
			if !slices.Equal(c.SMSCountries, []string{"US", "CA"}) || c.SMSPerPracticeMonth != 1000 || c.SMSPerMonth != 20000 {
				t.Errorf("texts %v %d %d", c.SMSCountries, c.SMSPerPracticeMonth, c.SMSPerMonth)
			}
		}},
		{name: "signing: a secret name with a space", env: with(lambdaEnv(), "SIGNING_KEY_SECRET", "my key"), needs: []Need{Signing},
			bad: []string{"SIGNING_KEY_SECRET"}},
		{name: "http: behind CloudFront without a custom domain, no PORTAL_ORIGIN", env: with(lambdaEnv(), "PORTAL_ORIGIN", ""),
			needs: []Need{HTTP, Links}, check: func(t *testing.T, c Config) {
				if c.PortalOrigin != "" || c.OriginVerify == "" {
					t.Errorf("origin %q, origin header %q", c.PortalOrigin, c.OriginVerify)
				}
			}},
		{name: "links: no PORTAL_ORIGIN off CloudFront", env: with(lambdaEnv(), "PORTAL_ORIGIN", "", "ORIGIN_VERIFY", ""),
			needs: []Need{HTTP, Links}, bad: []string{"PORTAL_ORIGIN"}},
		{name: "links: no PORTAL_ORIGIN for a function that answers no request (notifier)", env: with(lambdaEnv(), "PORTAL_ORIGIN", ""),
			needs: []Need{Links}, bad: []string{"PORTAL_ORIGIN"}},
		{name: "http: a short origin header", env: with(lambdaEnv(), "ORIGIN_VERIFY", "abc"), needs: []Need{HTTP}, bad: []string{"ORIGIN_VERIFY"}},
		{name: "http: off CloudFront", env: with(lambdaEnv(), "ORIGIN_VERIFY", ""), needs: []Need{HTTP}},
		{name: "services endpoint (a local stand-in)", env: with(lambdaEnv(), "SERVICES_ENDPOINT", "http://127.0.0.1:4566"), needs: all,
			check: func(t *testing.T, c Config) {
				if aws.ToString(c.AWS.BaseEndpoint) != "http://127.0.0.1:4566" {
					t.Errorf("BaseEndpoint %v", c.AWS.BaseEndpoint)
				}
			}},
		{name: "services endpoint without a scheme", env: with(lambdaEnv(), "SERVICES_ENDPOINT", "127.0.0.1:4566"), bad: []string{"SERVICES_ENDPOINT"}},
		{name: "the table alone (rollup)", env: map[string]string{"AWS_REGION": "eu-west-1", "TABLE_NAME": "referloop"},
			check: func(t *testing.T, c Config) {
				// No audit need: the store has no audit table, so an audit call fails instead of
				// guessing a table the function's role cannot reach.
				if s := c.Store(); s.AuditTable != "" {
					t.Errorf("a function without the Audit need has audit table %q", s.AuditTable)
				}
			}},
		{name: "nothing set", env: map[string]string{}, needs: all,
			bad: []string{"AWS_REGION", "TABLE_NAME", "SIGNING_KEY_SECRET", "SENDER_EMAIL", "PORTAL_ORIGIN", "AUDIT_TABLE_NAME", "SMS_COUNTRIES",
				"SMS_PER_PRACTICE_MONTH", "SMS_PER_MONTH"}},
		{name: "audit: no audit table", env: with(lambdaEnv(), "AUDIT_TABLE_NAME", ""), needs: []Need{Audit}, bad: []string{"AUDIT_TABLE_NAME"}},
		{name: "audit: the main table", env: with(lambdaEnv(), "AUDIT_TABLE_NAME", "referloop-Table-1ABC"), needs: []Need{Audit},
			bad: []string{"AUDIT_TABLE_NAME"}},
		{name: "audit: not a table name", env: with(lambdaEnv(), "AUDIT_TABLE_NAME", "a/b"), needs: []Need{Audit}, bad: []string{"AUDIT_TABLE_NAME"}},
		{name: "no table", env: with(lambdaEnv(), "TABLE_NAME", ""), needs: []Need{Signing}, bad: []string{"TABLE_NAME"}},
		{name: "table name with a space", env: with(lambdaEnv(), "TABLE_NAME", "my table"), bad: []string{"TABLE_NAME"}},
		{name: "signing: no key, no secret", env: with(lambdaEnv(), "SIGNING_KEY_SECRET", ""),
			needs: []Need{Signing}, bad: []string{"SIGNING_KEY", "SIGNING_KEY_SECRET"}},
		{name: "signing: no secret, but no need", env: with(lambdaEnv(), "SIGNING_KEY_SECRET", "")},
		{name: "signing: a local key wins", env: with(lambdaEnv(), "SIGNING_KEY", key32), needs: []Need{Signing},
			check: func(t *testing.T, c Config) {
				if string(c.SigningKey) != strings.Repeat("k", 32) {
					t.Errorf("key %q", c.SigningKey)
				}
				if _, ok := c.KeySource().(auth.StaticKey); !ok {
					t.Errorf("key source %T, want the static key", c.KeySource())
				}
			}},
		{name: "signing: raw key text", env: with(lambdaEnv(), "SIGNING_KEY", strings.Repeat("r", 40)), needs: []Need{Signing}},
		{name: "signing: short key", env: with(lambdaEnv(), "SIGNING_KEY", "c2hvcnQ="), needs: []Need{Signing}, bad: []string{"SIGNING_KEY"}},
		{name: "mail: no sender", env: with(lambdaEnv(), "SENDER_EMAIL", ""), needs: []Need{Mail}, bad: []string{"SENDER_EMAIL"}},
		{name: "mail: not an address", env: with(lambdaEnv(), "SENDER_EMAIL", "referloop"), needs: []Need{Mail}, bad: []string{"SENDER_EMAIL"}},
		{name: "links: no origin", env: with(lambdaEnv(), "PORTAL_ORIGIN", " "), needs: []Need{Links}, bad: []string{"PORTAL_ORIGIN"}},
		{name: "links: trailing slash dropped", env: with(lambdaEnv(), "PORTAL_ORIGIN", "https://app.example.com/"), needs: []Need{Links},
			check: func(t *testing.T, c Config) {
				if c.PortalOrigin != "https://app.example.com" {
					t.Errorf("origin %q", c.PortalOrigin)
				}
			}},
		{name: "links: a path", env: with(lambdaEnv(), "PORTAL_ORIGIN", "https://app.example.com/portal"), needs: []Need{Links},
			bad: []string{"PORTAL_ORIGIN"}},
		{name: "links: plain http", env: with(lambdaEnv(), "PORTAL_ORIGIN", "http://app.example.com"), needs: []Need{Links},
			bad: []string{"PORTAL_ORIGIN"}},
		{name: "links: plain http on loopback (local run)", env: with(lambdaEnv(), "PORTAL_ORIGIN", "http://127.0.0.1:3000"), needs: []Need{Links}},
		{name: "texts: no countries", env: with(lambdaEnv(), "SMS_COUNTRIES", " , "), needs: []Need{Texts}, bad: []string{"SMS_COUNTRIES"}},
		{name: "texts: a country name", env: with(lambdaEnv(), "SMS_COUNTRIES", "US,Canada"), needs: []Need{Texts}, bad: []string{"SMS_COUNTRIES"}},
		{name: "texts: a negative cap", env: with(lambdaEnv(), "SMS_PER_MONTH", "-1"), needs: []Need{Texts}, bad: []string{"SMS_PER_MONTH"}},
		{name: "texts: no cap", env: with(lambdaEnv(), "SMS_PER_PRACTICE_MONTH", ""), needs: []Need{Texts}, bad: []string{"SMS_PER_PRACTICE_MONTH"}},
		{name: "texts: none sent (a zero cap), one country", env: with(lambdaEnv(), "SMS_PER_MONTH", "0", "SMS_COUNTRIES", " CA "), needs: []Need{Texts},
			check: func(t *testing.T, c Config) {
				if c.SMSPerMonth != 0 || !slices.Equal(c.SMSCountries, []string{"CA"}) {
					t.Errorf("texts %v %d", c.SMSCountries, c.SMSPerMonth)
				}
			}},
		{name: "texts: not needed", env: with(lambdaEnv(), "SMS_COUNTRIES", "")},
		{name: "DynamoDB Local", env: with(lambdaEnv(), "DYNAMODB_ENDPOINT", "http://127.0.0.1:8000"), check: func(t *testing.T, c Config) {
			if c.DynamoDBEndpoint != "http://127.0.0.1:8000" || c.DynamoDB().Options().BaseEndpoint == nil {
				t.Errorf("endpoint %q not used", c.DynamoDBEndpoint)
			}
		}},
		{name: "DynamoDB endpoint without a scheme", env: with(lambdaEnv(), "DYNAMODB_ENDPOINT", "localhost:8000"), bad: []string{"DYNAMODB_ENDPOINT"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := load(func(k string) string { return c.env[k] }, c.needs...)
			if len(c.bad) == 0 {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if c.check != nil {
					c.check(t, cfg)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load accepted an environment with bad %v", c.bad)
			}
			for _, name := range c.bad {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q spans lines; a function's init log should be one", err)
			}
		})
	}
}

// Load reads the process environment (no parallel: t.Setenv).
func TestLoadReadsTheEnvironment(t *testing.T) {
	for k, v := range lambdaEnv() {
		t.Setenv(k, v)
	}
	t.Setenv("TABLE_NAME", "")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "TABLE_NAME is not set") {
		t.Fatalf("Load with TABLE_NAME unset: %v", err)
	}
	t.Setenv("TABLE_NAME", "referloop")
	c, err := Load(Signing, Mail, Links, Audit, Texts)
	if err != nil || c.Table != "referloop" {
		t.Fatalf("Load: %+v, %v", c, err)
	}
}

// TestTemplateDeclaresEveryVariable: every variable Load reads, other than the AWS_ ones Lambda
// sets, is declared in template.yaml's Globals (so a deployed function has it, and sam local
// --env-vars may override it).
func TestTemplateDeclaresEveryVariable(t *testing.T) {
	t.Parallel()
	read := map[string]bool{}
	_, _ = load(func(k string) string { read[k] = true; return "" }, Signing, Mail, Links, Audit, Texts, HTTP)
	_, _ = load(func(k string) string { read[k] = true; return map[string]string{"SIGNING_KEY": "x"}[k] }, Signing)
	_, _ = load(func(k string) string { read[k] = true; return map[string]string{"SIGNING_KEY_SECRET": "x"}[k] }, Signing)
	var tpl struct {
		Globals struct {
			Function struct {
				Environment struct {
					Variables map[string]any `yaml:"Variables"`
				} `yaml:"Environment"`
			} `yaml:"Function"`
		} `yaml:"Globals"`
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for k := range read {
		if _, ok := tpl.Globals.Function.Environment.Variables[k]; !ok && !strings.HasPrefix(k, "AWS_") {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	if len(read) < 9 || len(missing) > 0 {
		t.Fatalf("Load reads %d variables; template.yaml's Globals.Function.Environment lacks %v", len(read), missing)
	}
}

// TestWiresNoHandler: awsenv reads configuration and builds AWS clients; the handlers'
// dependencies are wired in the function mains, so awsenv imports no API or consumer package.
func TestWiresNoHandler(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range file.Imports {
			for _, banned := range []string{"/pkg/httpapi", "/pkg/notifier", "/pkg/rollup", "/pkg/lambdahttp", "/pkg/notify"} {
				if strings.HasSuffix(strings.Trim(im.Path.Value, `"`), banned) {
					t.Errorf("%s imports %s: build handlers' dependencies in functions/*/main.go", f, im.Path.Value)
				}
			}
		}
	}
}
