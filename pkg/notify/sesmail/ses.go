// Package sesmail sends Referloop's email through Amazon SES v2's SendEmail: a signed JSON POST
// to /v2/email/outbound-emails (pkg/notify/awspost, not the SDK's SES client, whose protocol code
// would be ~300 KB of every sending function's bootstrap, against its 10 MiB budget). It is its own
// package so that functions which send no mail link none of it.
package sesmail

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/notify/awspost"
)

// SES sends through Amazon SES v2 from a verified sender.
type SES struct {
	// Config is the function's AWS configuration: credentials, region, HTTP client and
	// BaseEndpoint (a local stand-in; nil in AWS, where the regional endpoint is used).
	Config aws.Config
	From   string
	// Now is the signing clock (nil: time.Now).
	Now func() time.Time
}

var _ notify.Mailer = (*SES)(nil)

// New is the SES mailer of a function: its SDK configuration and its verified sender.
func New(cfg aws.Config, from string) *SES { return &SES{Config: cfg, From: from} }

type content struct {
	Data    string
	Charset string
}

type sendEmail struct {
	FromEmailAddress string
	Destination      struct{ ToAddresses []string }
	Content          struct {
		Simple struct {
			Subject content
			Body    struct{ Text content }
		}
	}
}

// Send sends m as a plain-text email.
func (s *SES) Send(ctx context.Context, m notify.Message) error {
	var in sendEmail
	in.FromEmailAddress = s.From
	in.Destination.ToAddresses = []string{m.To}
	in.Content.Simple.Subject = content{m.Subject, "UTF-8"}
	in.Content.Simple.Body.Text = content{m.Text, "UTF-8"}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	a, err := awspost.Post(ctx, s.Config, s.Now, awspost.Request{Service: "ses", Host: "email.%s.amazonaws.com",
		Path: "/v2/email/outbound-emails", ContentType: "application/json", Body: body})
	if err != nil {
		return notify.Scrub("ses", err)
	}
	if a.Status/100 == 2 {
		return nil
	}
	return notify.Scrub("ses", refusal(a))
}

// refusal reads SES's error answer: the type from the X-Amzn-ErrorType header
// ("MessageRejected:http://…") or the body's __type/code, the message from the body.
func refusal(a awspost.Answer) *awspost.Error {
	var b struct {
		Type    string `json:"__type"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(a.Body, &b)
	code := a.Header.Get("X-Amzn-ErrorType")
	if code == "" {
		code = b.Type
	}
	if code == "" {
		code = b.Code
	}
	code, _, _ = strings.Cut(code, ":")
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	return &awspost.Error{Action: "ses: SendEmail", Status: a.Status, Code: code, Message: b.Message}
}
