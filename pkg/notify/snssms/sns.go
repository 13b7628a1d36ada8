// Package snssms sends text messages through Amazon SNS's Publish action, signed with Signature
// Version 4, over the function's own AWS configuration (credentials, region, HTTP client and, for a
// local stand-in, its endpoint). It does not use the SDK's SNS client: that client and its
// protocol code are ~250 KB of the notifier's bootstrap, over its 10 MiB budget, for the one call
// it makes; the query protocol's Publish is a signed form POST with a small XML answer.
package snssms

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"

	"github.com/referloop/referloop/pkg/notify"
)

// SNS sends transactional SMS.
type SNS struct {
	// Config is the function's AWS configuration: its credentials, region, HTTP client and
	// BaseEndpoint (a local stand-in; nil in AWS, where the regional endpoint is used).
	Config   aws.Config
	SenderID string
	// Now is the signing clock (nil: time.Now).
	Now func() time.Time
}

var _ notify.SMS = (*SNS)(nil)

// Error is SNS's answer to a refused Publish: its error code and message (which may name the
// phone number: Error() leaves the message out, see notify.Scrub).
type Error struct {
	Status        int
	Code, Message string
}

func (e *Error) Error() string { return fmt.Sprintf("sns: Publish: %d %s", e.Status, e.Code) }

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

// SendSMS publishes text to phone as a transactional SMS.
func (s *SNS) SendSMS(ctx context.Context, phone, text string) error {
	form := url.Values{
		"Action":                         {"Publish"},
		"Version":                        {"2010-03-31"},
		"PhoneNumber":                    {phone},
		"Message":                        {text},
		"MessageAttributes.entry.1.Name": {"AWS.SNS.SMS.SMSType"},
		"MessageAttributes.entry.1.Value.DataType":    {"String"},
		"MessageAttributes.entry.1.Value.StringValue": {"Transactional"},
	}
	if s.SenderID != "" {
		form.Set("MessageAttributes.entry.2.Name", "AWS.SNS.SMS.SenderID")
		form.Set("MessageAttributes.entry.2.Value.DataType", "String")
		form.Set("MessageAttributes.entry.2.Value.StringValue", s.SenderID)
	}
	return notify.Scrub("sns", s.publish(ctx, form.Encode()))
}

func (s *SNS) endpoint() string {
	if s.Config.BaseEndpoint != nil && *s.Config.BaseEndpoint != "" {
		return strings.TrimRight(*s.Config.BaseEndpoint, "/") + "/"
	}
	return "https://sns." + s.Config.Region + ".amazonaws.com/"
}

func (s *SNS) publish(ctx context.Context, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint(), strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if s.Config.Credentials == nil {
		return fmt.Errorf("sns: no credentials")
	}
	creds, err := s.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("sns: credentials: %w", err)
	}
	sum := sha256.Sum256([]byte(body))
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sns", s.Config.Region, now().UTC()); err != nil {
		return fmt.Errorf("sns: signing: %w", err)
	}
	var client aws.HTTPClient = http.DefaultClient
	if s.Config.HTTPClient != nil {
		client = s.Config.HTTPClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("sns: Publish: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	return &Error{Status: resp.StatusCode, Code: element(answer, "Code"), Message: element(answer, "Message")}
}

// element is the text of the first <name> element of an XML answer ("" when none): SNS's error
// answers are <ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>.
func element(b []byte, name string) string {
	s := string(b)
	i := strings.Index(s, "<"+name+">")
	if i < 0 {
		return ""
	}
	s = s[i+len(name)+2:]
	if j := strings.Index(s, "</"+name+">"); j >= 0 {
		return s[:j]
	}
	return ""
}
