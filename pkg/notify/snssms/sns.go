// Package snssms sends text messages through Amazon SNS's Publish action: the query protocol's
// Publish is a signed form POST with a small XML answer (pkg/notify/awspost, not the SDK's SNS
// client, whose protocol code would be ~250 KB of the notifier's bootstrap).
package snssms

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/notify/awspost"
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

func (s *SNS) publish(ctx context.Context, body string) error {
	a, err := awspost.Post(ctx, s.Config, s.Now, awspost.Request{Service: "sns", Host: "sns.%s.amazonaws.com", Path: "/",
		ContentType: "application/x-www-form-urlencoded; charset=utf-8", Body: []byte(body)})
	if err != nil {
		return err
	}
	if a.Status/100 == 2 {
		return nil
	}
	return &awspost.Error{Action: "sns: Publish", Status: a.Status, Code: element(a.Body, "Code"), Message: element(a.Body, "Message")}
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
