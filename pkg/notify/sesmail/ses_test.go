package sesmail

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/referloop/referloop/pkg/notify"
)

// stand stands in for SES v2's endpoint: it checks the request is a signed SendEmail and answers
// what answer says (by the call's number, from 1).
func stand(t *testing.T, answer func(n int) (int, string, string)) (*SES, *[]sendEmail) {
	var got []sendEmail
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var in sendEmail
		if err := json.Unmarshal(b, &in); err != nil || r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" ||
			r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s %q: %v", r.Method, r.URL.Path, r.Header.Get("Content-Type"), err)
		}
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/eu-west-1/ses/aws4_request") ||
			!strings.Contains(auth, "Signature=") || r.Header.Get("X-Amz-Date") != "20261130T120000Z" || r.Header.Get("X-Amz-Security-Token") != "token" {
			t.Errorf("not signed as SigV4 for ses in eu-west-1: %q, date %q", auth, r.Header.Get("X-Amz-Date"))
		}
		got = append(got, in)
		status, typ, body := answer(int(n.Add(1)))
		if typ != "" {
			w.Header().Set("X-Amzn-ErrorType", typ)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return &SES{Config: aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "token")},
		From: "noreply@referloop.example", Now: func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }}, &got
}

func TestSendIsASignedSendEmail(t *testing.T) {
	s, got := stand(t, func(int) (int, string, string) { return 200, "", `{"MessageId":"m-1"}` })
	if err := s.Send(context.Background(), notify.Message{To: "a@b.example", Subject: "Hi “there”", Text: "Body\nline 2"}); err != nil {
		t.Fatal(err)
	}
	in := (*got)[0]
	if in.FromEmailAddress != "noreply@referloop.example" || len(in.Destination.ToAddresses) != 1 || in.Destination.ToAddresses[0] != "a@b.example" ||
		in.Content.Simple.Subject != (content{"Hi “there”", "UTF-8"}) || in.Content.Simple.Body.Text != (content{"Body\nline 2", "UTF-8"}) {
		t.Fatalf("request %+v", in)
	}
}

// A refusal is an error with SES's code, never its message (which names the address); throttling
// and server errors are tried again, at most three calls in all; a refusal is not.
func TestRefusalsAreScrubbedAndRetriedOnlyWhenTransient(t *testing.T) {
	for _, c := range []struct {
		name   string
		answer func(n int) (int, string, string)
		want   string // "" = sent
		calls  int
	}{
		{"not verified", func(int) (int, string, string) {
			return 400, "MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/", `{"message":"Email address is not verified. The following identities failed the check in region EU-WEST-1: patient@example.com"}`
		}, "ses: MessageRejected", 1},
		{"type in the body", func(int) (int, string, string) {
			return 403, "", `{"__type":"com.amazonaws.sesv2#AccountSuspendedException","message":"patient@example.com"}`
		}, "ses: AccountSuspendedException", 1},
		{"throttled, then sent", func(n int) (int, string, string) {
			if n == 1 {
				return 429, "TooManyRequestsException", `{"message":"Too many requests"}`
			}
			return 200, "", `{"MessageId":"m-2"}`
		}, "", 2},
		{"server errors every time", func(int) (int, string, string) { return 500, "InternalFailure", `{}` }, "ses: InternalFailure", 3},
	} {
		s, got := stand(t, c.answer)
		err := s.Send(context.Background(), notify.Message{To: "patient@example.com", Subject: "s", Text: "t"})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || err.Error() != c.want):
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		case err != nil && strings.Contains(err.Error(), "patient@"):
			t.Errorf("%s: the address in %v", c.name, err)
		}
		if len(*got) != c.calls {
			t.Errorf("%s: %d calls, want %d", c.name, len(*got), c.calls)
		}
	}
	// Nothing listening: an error, no panic.
	s, _ := stand(t, func(int) (int, string, string) { return 200, "", "" })
	s.Config.BaseEndpoint = aws.String("http://127.0.0.1:1")
	if err := s.Send(context.Background(), notify.Message{To: "a@b.example"}); err == nil {
		t.Error("no error when SES cannot be reached")
	}
}
