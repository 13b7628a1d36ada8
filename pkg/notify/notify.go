// Package notify sends email. In AWS it is SES v2; on the local stack, the dev mailbox; in tests, a
// recorder. All satisfy Mailer. Messages carry references and links, never a patient's name,
// birth date, phone or reason.
package notify

import (
	"context"
	"sync"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Mailer sends a message.
type Mailer interface {
	Send(ctx context.Context, m Message) error
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
