package localserver

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/referloop/referloop/pkg/notify"
)

// Mail is one captured email.
type Mail struct {
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	Links   []string  `json:"links"`
	At      time.Time `json:"at"`
}

// Mailbox is the dev mailbox: it keeps every email the local stack sends and prints its links.
type Mailbox struct {
	mu    sync.Mutex
	mails []Mail
	Out   io.Writer
	// Troubles lists what the notifier gave up on (shown on the page), if set.
	Troubles func() []string
}

var _ notify.Mailer = (*Mailbox)(nil)

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// Send captures m.
func (b *Mailbox) Send(_ context.Context, m notify.Message) error {
	mail := Mail{To: m.To, Subject: m.Subject, Text: m.Text, Links: linkRE.FindAllString(m.Text, -1), At: time.Now().UTC()}
	if mail.Links == nil {
		mail.Links = []string{}
	}
	b.mu.Lock()
	b.mails = append(b.mails, mail)
	b.mu.Unlock()
	// The console shows magic links (sign-in is what a developer waits for); every message is in
	// the mailbox page.
	if b.Out != nil {
		for _, l := range mail.Links {
			if strings.Contains(l, "/auth#token=") {
				fmt.Fprintf(b.Out, "magic link for %s (%s):\n    %s\n", m.To, m.Subject, l)
			}
		}
	}
	return nil
}

var _ notify.SMS = (*Mailbox)(nil)

// SendSMS captures a text message as mail to the phone number.
func (b *Mailbox) SendSMS(ctx context.Context, phone, text string) error {
	return b.Send(ctx, notify.Message{To: phone, Subject: "SMS", Text: text})
}

// Mails returns the captured emails, newest first.
func (b *Mailbox) Mails() []Mail {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Mail, len(b.mails))
	for i, m := range b.mails {
		out[len(b.mails)-1-i] = m
	}
	return out
}

var mailPage = template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Dev mailbox · Referloop</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1c2430}
article{border:1px solid #d5dbe3;border-radius:8px;padding:1rem;margin:1rem 0}h2{font-size:1rem;margin:0}
.meta{color:#5b6778;font-size:.85rem}pre{white-space:pre-wrap;font:inherit}</style></head>
<body><h1>Dev mailbox</h1><p class="meta">Everything the local stack sent, newest first. JSON at <a href="/_dev/mail.json">/_dev/mail.json</a>.</p>
{{if .Troubles}}<section style="border:2px solid #b42318;border-radius:8px;padding:1rem"><h2>Not delivered</h2>
<p class="meta">Stream records the notifier gave up on after its retries (in AWS: the dead-letter queue and its alarm).</p>
<ul>{{range .Troubles}}<li>{{.}}</li>{{end}}</ul></section>{{end}}
{{range .Mails}}<article><h2>{{.Subject}}</h2><p class="meta">to {{.To}} · {{.At.Format "15:04:05"}}</p><pre>{{.Text}}</pre>
{{range .Links}}<p><a href="{{.}}">Open this link</a></p>{{end}}</article>{{else}}<p>No mail yet.</p>{{end}}
</body></html>`))

// Handler serves /_dev/mail (HTML) and /_dev/mail.json.
func (b *Mailbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_dev/mail.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(b.Mails())
	})
	mux.HandleFunc("GET /_dev/mail", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		var troubles []string
		if b.Troubles != nil {
			troubles = b.Troubles()
		}
		_ = mailPage.Execute(w, struct {
			Mails    []Mail
			Troubles []string
		}{b.Mails(), troubles})
	})
	return mux
}
