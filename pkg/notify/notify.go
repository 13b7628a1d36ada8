// Package notify sends email. In AWS it is SES v2; on the local stack, the dev mailbox; in tests, a
// recorder. All satisfy Mailer. Messages carry references and links, never a patient's name,
// birth date, phone or reason.
package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/smithy-go"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Mailer sends a message. Its errors must never quote the recipient: they are logged and kept in
// the outbox (adapters pass provider errors through Scrub).
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// Scrub keeps a provider error's code and drops its message: messages can quote the recipient's
// address or phone number, which must not reach logs.
func Scrub(service string, err error) error {
	if err == nil {
		return nil
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return fmt.Errorf("%s: %s", service, api.ErrorCode())
	}
	return fmt.Errorf("%s: the request failed (%T)", service, errors.Unwrap(err))
}

// Recorder keeps what it is asked to send (tests).
type Recorder struct {
	mu   sync.Mutex
	sent []Message
}

var _ Mailer = (*Recorder)(nil)

// Send records m.
func (r *Recorder) Send(_ context.Context, m Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return nil
}

// Sent returns a copy of what was sent, oldest first.
func (r *Recorder) Sent() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.sent...)
}

// SMS sends a text message to a phone number. SNS in AWS; the dev mailbox locally.
type SMS interface {
	SendSMS(ctx context.Context, phone, text string) error
}

var _ SMS = (*Recorder)(nil)

// SendSMS records a text message as a message to the phone number with subject "SMS".
func (r *Recorder) SendSMS(ctx context.Context, phone, text string) error {
	return r.Send(ctx, Message{To: phone, Subject: "SMS", Text: text})
}
