// Package awspost makes one Signature Version 4 signed POST to an AWS service over a function's own
// AWS configuration (credentials, region, HTTP client and, for a local stand-in, its BaseEndpoint).
// The mailers use it instead of the SDK's SES and SNS clients: those clients and their protocol
// code are ~250-300 KB of each sending function's bootstrap, against a 10 MiB budget, for the one
// call each makes. Like the SDK's standard retryer it tries again, at most twice, on throttling and
// server errors.
package awspost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// Error is a service's refusal: its action, status, error code and message (which may name the
// recipient: Error() leaves the message out, and notify.Scrub keeps only the code).
type Error struct {
	Action        string // "ses: SendEmail", "sns: Publish"
	Status        int
	Code, Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %d %s", e.Action, e.Status, e.Code) }

// ErrorCode, ErrorMessage and ErrorFault make it a smithy.APIError, as the SDK's errors are.
func (e *Error) ErrorCode() string    { return e.Code }
func (e *Error) ErrorMessage() string { return e.Message }
func (e *Error) ErrorFault() smithy.ErrorFault {
	if e.Status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

var _ smithy.APIError = (*Error)(nil)

// Request is one call: the service's signing name, its regional host ("%s" for the region, when
// no BaseEndpoint is set), the path, the body and its content type.
type Request struct {
	Service     string // signing name: "ses", "sns"
	Host        string // e.g. "email.%s.amazonaws.com"
	Path        string
	ContentType string
	Body        []byte
}

// Answer is the service's answer: its status, headers and (at most 64 KB of) body.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Tries is how many times a throttled or failed (5xx) call is made at most.
const Tries = 3

// Post signs and sends r; an error only when no answer came (the answer's status says the rest).
// now is the signing clock (nil: time.Now).
func Post(ctx context.Context, cfg aws.Config, now func() time.Time, r Request) (Answer, error) {
	if cfg.Credentials == nil {
		return Answer{}, fmt.Errorf("%s: no credentials", r.Service)
	}
	if now == nil {
		now = time.Now
	}
	url := "https://" + fmt.Sprintf(r.Host, cfg.Region) + r.Path
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		url = strings.TrimRight(*cfg.BaseEndpoint, "/") + r.Path
	}
	var client aws.HTTPClient = http.DefaultClient
	if cfg.HTTPClient != nil {
		client = cfg.HTTPClient
	}
	sum := sha256.Sum256(r.Body)
	var a Answer
	for try := 1; ; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(r.Body))
		if err != nil {
			return Answer{}, err
		}
		req.Header.Set("Content-Type", r.ContentType)
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			return Answer{}, fmt.Errorf("%s: credentials: %w", r.Service, err)
		}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), r.Service, cfg.Region, now().UTC()); err != nil {
			return Answer{}, fmt.Errorf("%s: signing: %w", r.Service, err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return Answer{}, fmt.Errorf("%s: %w", r.Service, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		a = Answer{Status: resp.StatusCode, Header: resp.Header, Body: body}
		if !(resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || throttled(body)) || try == Tries {
			return a, nil
		}
		select {
		case <-ctx.Done():
			return a, nil
		case <-time.After(time.Duration(try*try) * 100 * time.Millisecond):
		}
	}
}

// throttled: a 400 that is a throttle (SNS answers Throttling as 400).
func throttled(body []byte) bool {
	return bytes.Contains(body, []byte("Throttling")) || bytes.Contains(body, []byte("TooManyRequests"))
}
