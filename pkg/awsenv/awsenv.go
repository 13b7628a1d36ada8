// Package awsenv wires a function at cold start from its environment, without network calls and
// without the SDK's shared-config loader: in Lambda the region and credentials are environment
// variables, so reading them directly keeps init fast.
package awsenv

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/store"
)

// Issuer and Audience of session JWTs.
const (
	Issuer   = "https://referloop.dev"
	Audience = "referloop-portal"
)

// Config is the SDK configuration of the Lambda environment.
func Config() aws.Config {
	return aws.Config{
		Region: os.Getenv("AWS_REGION"),
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))),
		RetryMaxAttempts: 3,
	}
}

// DynamoDB is the table's client; DYNAMODB_ENDPOINT points it elsewhere (DynamoDB Local).
func DynamoDB(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
}

// SSMKey reads the session signing key from an SSM SecureString on first use.
type SSMKey struct {
	Client *ssm.Client
	Name   string
}

// SigningKey fetches and decodes the key (base64, or raw text of at least 32 bytes).
func (k SSMKey) SigningKey(ctx context.Context) ([]byte, error) {
	out, err := k.Client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(k.Name), WithDecryption: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("ssm %s: %w", k.Name, err)
	}
	return decodeKey(aws.ToString(out.Parameter.Value)), nil
}

func decodeKey(v string) []byte {
	v = strings.TrimSpace(v)
	if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) >= 32 {
		return b
	}
	return []byte(v)
}

// KeySource is SIGNING_KEY (base64, for local runs and tests) or else the SSM parameter named by
// SIGNING_KEY_PARAMETER.
func KeySource(cfg aws.Config) auth.KeySource {
	if v := os.Getenv("SIGNING_KEY"); v != "" {
		return auth.StaticKey(decodeKey(v))
	}
	return SSMKey{Client: ssm.NewFromConfig(cfg), Name: os.Getenv("SIGNING_KEY_PARAMETER")}
}

// APIDeps builds an API function's dependencies from the environment. mailer may be nil for
// functions that send no mail.
func APIDeps(cfg aws.Config, mailer notify.Mailer) *httpapi.Deps {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	return &httpapi.Deps{
		Store:  store.New(DynamoDB(cfg), os.Getenv("TABLE_NAME")),
		Signer: &auth.Signer{Issuer: Issuer, Audience: Audience, Source: KeySource(cfg)},
		Mailer: mailer,
		Origin: os.Getenv("PORTAL_ORIGIN"),
		Log:    log,
	}
}
