package sesmail

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go"

	"github.com/referloop/referloop/pkg/notify"
)

type fakeSES struct {
	got *sesv2.SendEmailInput
	err error
}

func (f *fakeSES) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	f.got = in
	return &sesv2.SendEmailOutput{}, f.err
}

func TestSendBuildsTheRequestAndScrubsErrors(t *testing.T) {
	f := &fakeSES{}
	s := &SES{Client: f, From: "noreply@referloop.example"}
	if err := s.Send(context.Background(), notify.Message{To: "a@b.example", Subject: "Hi", Text: "Body"}); err != nil {
		t.Fatal(err)
	}
	if *f.got.FromEmailAddress != "noreply@referloop.example" || f.got.Destination.ToAddresses[0] != "a@b.example" ||
		*f.got.Content.Simple.Subject.Data != "Hi" || *f.got.Content.Simple.Body.Text.Data != "Body" {
		t.Fatalf("request %+v", f.got)
	}
	f.err = &smithy.GenericAPIError{Code: "MessageRejected", Message: "Email address is not verified: patient@example.com"}
	err := s.Send(context.Background(), notify.Message{To: "patient@example.com"})
	if err == nil || strings.Contains(err.Error(), "patient@example.com") || !strings.Contains(err.Error(), "MessageRejected") {
		t.Fatalf("error %v", err)
	}
}
