// Package sesmail sends Referloop's email through Amazon SES v2. It is its own package so that
// functions which send no mail do not link the SES client.
package sesmail

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

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

// New is the SES mailer of a function: its SDK configuration and its verified sender.
func New(cfg aws.Config, from string) *SES {
	return &SES{Client: sesv2.NewFromConfig(cfg), From: from}
}

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
	return notify.Scrub("ses", err)
}
