package snssms

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// sns stands in for SNS's query endpoint: it checks the request is a signed Publish and answers
// what answer says.
func stand(t *testing.T, answer func(q url.Values) (int, string)) (*httptest.Server, *[]url.Values) {
	var got []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q, err := url.ParseQuery(string(b))
		if err != nil || r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			t.Errorf("request %s %q: %v", r.Method, r.Header.Get("Content-Type"), err)
		}
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/sns/aws4_request") ||
			!strings.Contains(auth, "Signature=") || r.Header.Get("X-Amz-Date") != "20261130T120000Z" || r.Header.Get("X-Amz-Security-Token") != "token" {
			t.Errorf("not signed as SigV4 for sns in us-east-1: %q, date %q", auth, r.Header.Get("X-Amz-Date"))
		}
		got = append(got, q)
		status, body := answer(q)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func client(srv *httptest.Server, sender string) *SNS {
	return &SNS{Config: aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "token")},
		SenderID: sender, Now: func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }}
}

func TestSendSMSIsATransactionalPublish(t *testing.T) {
	srv, got := stand(t, func(url.Values) (int, string) {
		return 200, `<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>`
	})
	for _, c := range []struct{ sender, wantSender string }{{"", ""}, {"LAKESIDE", "LAKESIDE"}} {
		if err := client(srv, c.sender).SendSMS(context.Background(), "+12015550142", "Your code: ABCD-EFGH"); err != nil {
			t.Fatal(err)
		}
		q := (*got)[len(*got)-1]
		if q.Get("Action") != "Publish" || q.Get("Version") != "2010-03-31" || q.Get("PhoneNumber") != "+12015550142" ||
			q.Get("Message") != "Your code: ABCD-EFGH" || q.Get("MessageAttributes.entry.1.Name") != "AWS.SNS.SMS.SMSType" ||
			q.Get("MessageAttributes.entry.1.Value.StringValue") != "Transactional" ||
			q.Get("MessageAttributes.entry.2.Value.StringValue") != c.wantSender {
			t.Errorf("form %v", q)
		}
	}
}

// A refusal is an error with SNS's code, never the message (which names the number).
func TestRefusalsAreScrubbed(t *testing.T) {
	for _, c := range []struct {
		status int
		body   string
		want   string
	}{
		{400, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: PhoneNumber Reason: +12015550142 is not valid</Message></Error></ErrorResponse>`, "sns: InvalidParameter"},
		{403, `<ErrorResponse><Error><Code>AuthorizationError</Code><Message>not authorized</Message></Error></ErrorResponse>`, "sns: AuthorizationError"},
		{500, `oops`, "sns: "},
	} {
		srv, _ := stand(t, func(url.Values) (int, string) { return c.status, c.body })
		err := client(srv, "").SendSMS(context.Background(), "+12015550142", "x")
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "5550142") {
			t.Errorf("%d: error %v, want %q without the number", c.status, err, c.want)
		}
	}
	// Nothing listening: an error, no panic.
	s := client(httptest.NewServer(http.NotFoundHandler()), "")
	s.Config.BaseEndpoint = aws.String("http://127.0.0.1:1")
	if err := s.SendSMS(context.Background(), "+12015550142", "x"); err == nil {
		t.Error("no error when SNS cannot be reached")
	}
}
