// Package awsenv reads a function's configuration from its environment once, at cold start, checks
// it, and builds the AWS clients from it, without network calls and without the SDK's
// shared-config loader: in Lambda the region and credentials are environment variables, so
// reading them directly keeps init fast. What a function does with the clients (its handler's
// dependencies) is wired in its main.go.
package awsenv

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/store"
)

// Issuer and Audience of session JWTs.
const (
	Issuer   = "https://referloop.dev"
	Audience = "referloop-portal"
)

// Need is a group of settings a function uses beyond its region and table; Load checks the groups
// it is given.
type Need uint8

const (
	// Signing: the function issues or verifies tokens. SIGNING_KEY (a key of at least 32 bytes,
	// base64 or raw; local runs and tests), or else SIGNING_KEY_SECRET (the stack's Secrets Manager
	// secret, its current and previous versions read on first use).
	Signing Need = 1 << iota
	// Mail: the function sends email. SENDER_EMAIL, the SES-verified sender.
	Mail
	// Links: the function writes links to the portal. PORTAL_ORIGIN, e.g. https://app.example.com;
	// an HTTP function behind CloudFront (ORIGIN_VERIFY set) may go without: it takes the origin
	// from the request, as CloudFront forwards the viewer's host.
	Links
	// Audit: the function appends to the audit trail or reads it. AUDIT_TABLE_NAME, the audit
	// table (template.yaml's AuditTable); without this need the store has no audit table.
	Audit
	// Texts: the function sends text messages. SMS_COUNTRIES (ISO 3166-1 alpha-2 codes, comma
	// separated: where texts may go), SMS_PER_PRACTICE_MONTH and SMS_PER_MONTH (the monthly caps of
	// one practice and of all together; 0 sends none).
	Texts
	// HTTP: the function answers API Gateway requests. ORIGIN_VERIFY, the secret CloudFront adds to
	// every request it forwards to the API (optional: when set, requests without it are refused,
	// and CloudFront's viewer headers are believed).
	HTTP
)

// Config is a function's checked configuration.
type Config struct {
	AWS                 aws.Config // AWS_REGION and the credentials Lambda sets
	Table               string     // TABLE_NAME
	AuditTable          string     // AUDIT_TABLE_NAME
	DynamoDBEndpoint    string     // DYNAMODB_ENDPOINT: another DynamoDB (Local); "" in AWS
	SigningKey          []byte     // SIGNING_KEY, decoded; nil to use SigningKeySecret
	SigningKeySecret    string     // SIGNING_KEY_SECRET: the secret's ARN or name
	Sender              string     // SENDER_EMAIL
	PortalOrigin        string     // PORTAL_ORIGIN, without a trailing slash; "" to take it from the request
	OriginVerify        string     // ORIGIN_VERIFY: CloudFront's origin header value; "" when not behind CloudFront
	ServicesEndpoint    string     // SERVICES_ENDPOINT: SES, SNS and Secrets Manager elsewhere (a local stand-in); "" in AWS
	SMSCountries        []string   // SMS_COUNTRIES, e.g. [US CA]
	SMSPerPracticeMonth int        // SMS_PER_PRACTICE_MONTH
	SMSPerMonth         int        // SMS_PER_MONTH
}

// Load reads the environment and checks every setting the function needs: AWS_REGION and
// TABLE_NAME always, DYNAMODB_ENDPOINT when set, and the settings of each Need. The error names
// every variable that is missing or invalid. It makes no network call.
func Load(needs ...Need) (Config, error) { return load(os.Getenv, needs...) }

// The settings' shapes, checked by hand: five regular expressions compiled at package init cost
// each function ~1 ms of its cold start.

// tableName: 3 to 255 of A-Z a-z 0-9 _ . - (DynamoDB's rule).
func tableName(s string) bool {
	return len(s) >= 3 && len(s) <= 255 && all(s, func(r rune) bool { return alnum(r) || strings.ContainsRune("_.-", r) })
}

// email: template.yaml's SenderEmail pattern, ^[^@\s]+@[^@\s]+$.
func email(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	notAtOrSpace := func(r rune) bool { return r != '@' && !unicode.IsSpace(r) }
	return ok && local != "" && domain != "" && all(local, notAtOrSpace) && all(domain, notAtOrSpace)
}

// secretID: a secret's ARN (arn: and no space) or its name.
func secretID(s string) bool {
	if strings.HasPrefix(s, "arn:") {
		return len(s) > 4 && all(s, func(r rune) bool { return !unicode.IsSpace(r) })
	}
	return s != "" && all(s, func(r rune) bool { return alnum(r) || strings.ContainsRune("/_+=.@-", r) })
}

// originTok: the origin header's value, 32 or more of A-Z a-z 0-9 _ -.
func originTok(s string) bool {
	return len(s) >= 32 && all(s, func(r rune) bool { return alnum(r) || r == '_' || r == '-' })
}

// region: an ISO 3166-1 alpha-2 code.
func region(s string) bool {
	return len(s) == 2 && all(s, func(r rune) bool { return r >= 'A' && r <= 'Z' })
}

func alnum(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' }

func all(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

func load(getenv func(string) string, needs ...Need) (Config, error) {
	var need Need
	for _, n := range needs {
		need |= n
	}
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	c := Config{
		AWS: aws.Config{
			Region: env("AWS_REGION"),
			Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
				env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN"))),
			RetryMaxAttempts: 3,
		},
		Table:            env("TABLE_NAME"),
		DynamoDBEndpoint: env("DYNAMODB_ENDPOINT"),
		ServicesEndpoint: env("SERVICES_ENDPOINT"),
	}
	if c.AWS.Region == "" {
		bad("AWS_REGION is not set")
	}
	switch {
	case c.Table == "":
		bad("TABLE_NAME is not set")
	case !tableName(c.Table):
		bad("TABLE_NAME %q is not a DynamoDB table name", c.Table)
	}
	if need&Audit != 0 {
		switch c.AuditTable = env("AUDIT_TABLE_NAME"); {
		case c.AuditTable == "":
			bad("AUDIT_TABLE_NAME is not set")
		case !tableName(c.AuditTable):
			bad("AUDIT_TABLE_NAME %q is not a DynamoDB table name", c.AuditTable)
		case c.AuditTable == c.Table:
			bad("AUDIT_TABLE_NAME is TABLE_NAME: the audit trail has a table of its own")
		}
	}
	if c.DynamoDBEndpoint != "" {
		if u, err := url.Parse(c.DynamoDBEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("DYNAMODB_ENDPOINT %q is not an http(s) URL", c.DynamoDBEndpoint)
		}
	}
	if c.ServicesEndpoint != "" {
		if u, err := url.Parse(c.ServicesEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("SERVICES_ENDPOINT %q is not an http(s) URL", c.ServicesEndpoint)
		} else {
			c.AWS.BaseEndpoint = aws.String(c.ServicesEndpoint)
		}
	}
	if need&Signing != 0 {
		if v := env("SIGNING_KEY"); v != "" {
			if c.SigningKey = decodeKey(v); len(c.SigningKey) < 32 {
				bad("SIGNING_KEY is shorter than 32 bytes")
			}
		} else {
			switch c.SigningKeySecret = env("SIGNING_KEY_SECRET"); {
			case c.SigningKeySecret == "":
				bad("neither SIGNING_KEY nor SIGNING_KEY_SECRET is set")
			case !secretID(c.SigningKeySecret):
				bad("SIGNING_KEY_SECRET %q is not a secret's name or ARN", c.SigningKeySecret)
			}
		}
	}
	if need&HTTP != 0 {
		if c.OriginVerify = env("ORIGIN_VERIFY"); c.OriginVerify != "" && !originTok(c.OriginVerify) {
			bad("ORIGIN_VERIFY is not 32 or more letters, digits, - or _")
		}
	}
	if need&Mail != 0 {
		switch c.Sender = env("SENDER_EMAIL"); {
		case c.Sender == "":
			bad("SENDER_EMAIL is not set")
		case !email(c.Sender):
			bad("SENDER_EMAIL %q is not an email address", c.Sender)
		}
	}
	if need&Links != 0 {
		c.PortalOrigin = strings.TrimSuffix(env("PORTAL_ORIGIN"), "/")
		// Behind CloudFront without a custom domain, an HTTP function goes without: the origin is the
		// distribution's, which the request tells (the API's functions are made before the
		// distribution, which routes to their API, so its address cannot be given to them).
		fromRequest := c.OriginVerify != ""
		if c.PortalOrigin == "" && !fromRequest {
			bad("PORTAL_ORIGIN is not set")
		} else if err := checkOrigin(c.PortalOrigin); c.PortalOrigin != "" && err != nil {
			bad("PORTAL_ORIGIN %q %v", c.PortalOrigin, err)
		}
	}
	if need&Texts != 0 {
		v := env("SMS_COUNTRIES")
		for _, code := range strings.Split(v, ",") {
			if code = strings.TrimSpace(code); code != "" {
				c.SMSCountries = append(c.SMSCountries, code)
			}
		}
		if len(c.SMSCountries) == 0 {
			bad("SMS_COUNTRIES is not set")
		} else if slices.ContainsFunc(c.SMSCountries, func(s string) bool { return !region(s) }) {
			bad("SMS_COUNTRIES %q is not a list of ISO 3166-1 alpha-2 codes like US,CA", v)
		}
		for _, cap := range []struct {
			name string
			to   *int
		}{{"SMS_PER_PRACTICE_MONTH", &c.SMSPerPracticeMonth}, {"SMS_PER_MONTH", &c.SMSPerMonth}} {
			n, err := strconv.Atoi(env(cap.name))
			if err != nil || n < 0 {
				bad("%s %q is not a whole number of texts (0 or more)", cap.name, env(cap.name))
			}
			*cap.to = n
		}
	}
	if len(problems) > 0 {
		return c, errors.New("configuration: " + strings.Join(problems, "; "))
	}
	return c, nil
}

// checkOrigin accepts https://host[:port], and http:// for a loopback host (a local run).
func checkOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("is not an origin (scheme://host[:port])")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); u.Hostname() == "localhost" || ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return errors.New("is not https (plain http only for a loopback host)")
}

// DynamoDB is the table's client (at DynamoDBEndpoint when set).
func (c Config) DynamoDB() *dynamodb.Client {
	return dynamodb.NewFromConfig(c.AWS, func(o *dynamodb.Options) {
		if c.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(c.DynamoDBEndpoint)
		}
	})
}

// Store is the store over the function's table, and its audit table when the function has the
// Audit need (else none: its audit calls fail with store.ErrNoAuditTable).
func (c Config) Store() *store.Store {
	s := store.New(c.DynamoDB(), c.Table)
	s.AuditTable = c.AuditTable
	return s
}

// KeySource is SIGNING_KEY when set, or else the secret (its current and previous keys), fetched
// on first use.
func (c Config) KeySource() auth.KeySource {
	if len(c.SigningKey) > 0 {
		return auth.StaticKey(c.SigningKey)
	}
	return SecretKeys{Client: secretsmanager.NewFromConfig(c.AWS), ID: c.SigningKeySecret}
}

// Signer signs and verifies Referloop's tokens with the function's key.
func (c Config) Signer() *auth.Signer {
	return &auth.Signer{Issuer: Issuer, Audience: Audience, Source: c.KeySource()}
}

// Logger is a function's log: JSON lines on standard output, which Lambda sends to CloudWatch.
func Logger() *slog.Logger { return slog.New(slog.NewJSONHandler(os.Stdout, nil)) }

// SecretsAPI is the part of the Secrets Manager client SecretKeys uses.
type SecretsAPI interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretKeys reads the signing keys from the stack's Secrets Manager secret: the AWSCURRENT version
// signs, and the AWSPREVIOUS one, which a rotation (put-secret-value) leaves behind, still verifies.
type SecretKeys struct {
	Client SecretsAPI
	ID     string
}

var _ auth.KeyringSource = SecretKeys{}

// SigningKey is the current key.
func (k SecretKeys) SigningKey(ctx context.Context) ([]byte, error) {
	ks, err := k.SigningKeys(ctx)
	return ks.Current, err
}

// SigningKeys reads both versions side by side; a secret never rotated has no previous version.
func (k SecretKeys) SigningKeys(ctx context.Context) (auth.Keys, error) {
	var (
		ks      auth.Keys
		prevErr error
		done    = make(chan struct{})
	)
	go func() {
		defer close(done)
		ks.Previous, prevErr = k.read(ctx, "AWSPREVIOUS")
	}()
	cur, err := k.read(ctx, "AWSCURRENT")
	<-done
	if err != nil {
		return auth.Keys{}, err
	}
	var missing *smtypes.ResourceNotFoundException
	if prevErr != nil && !errors.As(prevErr, &missing) {
		return auth.Keys{}, prevErr
	}
	ks.Current = cur
	return ks, nil
}

func (k SecretKeys) read(ctx context.Context, stage string) ([]byte, error) {
	out, err := k.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(k.ID), VersionStage: aws.String(stage)})
	if err != nil {
		return nil, fmt.Errorf("secretsmanager %s %s: %w", k.ID, stage, err)
	}
	return decodeKey(aws.ToString(out.SecretString)), nil
}

func decodeKey(v string) []byte {
	v = strings.TrimSpace(v)
	if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) >= 32 {
		return b
	}
	return []byte(v)
}
