// Package snssms sends text messages through Amazon SNS. It is its own package so that only the
// notifier links the SNS client.
package snssms

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/referloop/referloop/pkg/notify"
)

// API is the part of the SNS client used.
type API interface {
	Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error)
}

var _ API = (*sns.Client)(nil)

// SNS sends transactional SMS.
type SNS struct {
	Client   API
	SenderID string
}

var _ notify.SMS = (*SNS)(nil)

// SendSMS publishes text to phone as a transactional SMS.
func (s *SNS) SendSMS(ctx context.Context, phone, text string) error {
	attrs := map[string]types.MessageAttributeValue{
		"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
	}
	if s.SenderID != "" {
		attrs["AWS.SNS.SMS.SenderID"] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(s.SenderID)}
	}
	_, err := s.Client.Publish(ctx, &sns.PublishInput{PhoneNumber: aws.String(phone), Message: aws.String(text), MessageAttributes: attrs})
	return notify.Scrub("sns", err)
}
