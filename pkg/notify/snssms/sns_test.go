package snssms

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
)

type fakeSNS struct {
	got *sns.PublishInput
	err error
}

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.got = in
	return &sns.PublishOutput{}, f.err
}

func TestSendSMSIsTransactionalAndScrubsErrors(t *testing.T) {
	f := &fakeSNS{}
	s := &SNS{Client: f}
	if err := s.SendSMS(context.Background(), "+15550142", "code"); err != nil {
		t.Fatal(err)
	}
	if *f.got.PhoneNumber != "+15550142" || *f.got.MessageAttributes["AWS.SNS.SMS.SMSType"].StringValue != "Transactional" {
		t.Fatalf("request %+v", f.got)
	}
	f.err = &smithy.GenericAPIError{Code: "InvalidParameter", Message: "Invalid phone number +15550142"}
	if err := s.SendSMS(context.Background(), "+15550142", "x"); err == nil || strings.Contains(err.Error(), "5550142") {
		t.Fatalf("error %v", err)
	}
}
