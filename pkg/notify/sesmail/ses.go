// Package sesmail sends Referloop's email through Amazon SES v2. It is its own package so that
// functions which send no mail do not link the SES client.
package sesmail

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/aws/smithy-go"

	"github.com/referloop/referloop/pkg/notify"
)

// SESAPI is the part of the SES v2 client the mailer uses.
type SESAPI interface {
	SendEmail(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

var _ SESAPI = (*sesv2.Client)(nil)

// SES sends through Amazon SES v2 from a verified sender.
type SES struct {
	Client SESAPI
	From   string
}

var _ notify.Mailer = (*SES)(nil)

// Send sends m as a plain-text email.
func (s *SES) Send(ctx context.Context, m notify.Message) error {
	_, err := s.Client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.From),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(m.Subject), Charset: aws.String("UTF-8")},
			Body:    &types.Body{Text: &types.Content{Data: aws.String(m.Text), Charset: aws.String("UTF-8")}},
		}},
	})
	return scrub("ses", err)
}

// scrub keeps a provider error's code and drops its message: messages can quote the recipient's
// address or phone number, which must not reach logs.
func scrub(service string, err error) error {
	if err == nil {
		return nil
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return fmt.Errorf("%s: %s", service, api.ErrorCode())
	}
	return fmt.Errorf("%s: the request failed (%T)", service, errors.Unwrap(err))
}
