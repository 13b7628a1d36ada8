// Package eventfill fills the placeholders of events/*.json with live values from a running local
// stack (`make dev`), so that each event can be sent by hand (`sam local invoke -e`, or any Lambda
// emulator): sessions signed in through the stack's own magic links (read from its dev mailbox), and
// the demo's ids read through the API. `make events` runs it (infra/cmd/events).
package eventfill

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/referloop/referloop/infra/seed"
	"github.com/referloop/referloop/pkg/ids"
)

// As is who {{session}} and {{csrf}} stand for in an event: "owner", "referrer", "staff", or ""
// for an event without a session (infra/lambdaevents holds it to its cases' own table).
func As(event string) string {
	switch event {
	case "referrals.list-referrer", "referrals.list-referrer-by-status", "referrals.get", "referrals.bad-cursor",
		"submit.create", "submit.replay", "submit.key-reused", "submit.missing-key", "submit.invalid", "submit.too-large",
		"pipeline.answer", "practice.as-referrer", "practice.audit-as-staff-or-referrer", "metrics.as-referrer",
		"outreach.as-referrer":
		return "referrer"
	}
	fn, _, _ := strings.Cut(event, ".")
	switch {
	case fn == "notifier" || fn == "rollup" || fn == "status":
		return ""
	case event == "pipeline.rate" || strings.HasPrefix(event, "auth.") && event != "auth.me" && event != "auth.logout" && event != "auth.logout-everywhere":
		return ""
	case event == "referrals.anonymous":
		return ""
	case event == "submit.self-referral" || strings.HasPrefix(event, "submit.self-referral-"):
		return "" // patients' own referrals: no sign-in
	}
	return "owner"
}

// Stack is a running local stack and the browsers signed in to it.
type Stack struct {
	Base     string // http://127.0.0.1:3000
	browsers map[string]*browser
	vals     map[string]string
}

type browser struct {
	http          *http.Client
	session, csrf string
}

// New is a Stack at base.
func New(base string) *Stack {
	return &Stack{Base: strings.TrimSuffix(base, "/"), browsers: map[string]*browser{}, vals: map[string]string{}}
}

func (s *Stack) do(b *browser, method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.Base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.csrf != "" && method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	res, err := b.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w (is `make dev` running?)", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(raw))
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return res.StatusCode, nil
}

func newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{http: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

type mail struct {
	To   string    `json:"to"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// newestMail is the newest email to to in the dev mailbox sent after since.
func (s *Stack) newestMail(to string, since time.Time) (mail, error) {
	for try := 0; try < 50; try++ {
		var mails []mail
		if _, err := s.do(newBrowser(), http.MethodGet, "/_dev/mail.json", nil, &mails); err != nil {
			return mail{}, err
		}
		for _, m := range mails { // newest first
			if m.To == to && !m.At.Before(since) {
				return m, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return mail{}, fmt.Errorf("no email to %s in the dev mailbox (/_dev/mail)", to)
}

var tokenRE = regexp.MustCompile(`#token=([A-Za-z0-9_-]{43})`)

// requestLink asks for a sign-in link for email (of practice slug, for a referrer) in browser b and
// returns its token, bound to b.
func (s *Stack) requestLink(b *browser, email, slug string) (string, error) {
	since := time.Now().Add(-time.Second)
	body := map[string]string{"email": email}
	if slug != "" {
		body["practice"] = slug
	}
	if _, err := s.do(b, http.MethodPost, "/v1/auth/links", body, nil); err != nil {
		return "", err
	}
	m, err := s.newestMail(email, since)
	if err != nil {
		return "", err
	}
	t := tokenRE.FindStringSubmatch(m.Text)
	if t == nil {
		return "", fmt.Errorf("the email to %s has no link", email)
	}
	return t[1], nil
}

// signIn signs who in through a magic link, as the portal does.
func (s *Stack) signIn(who string) (*browser, error) {
	if b, ok := s.browsers[who]; ok {
		return b, nil
	}
	email, slug := seed.OwnerEmail, ""
	switch who {
	case "staff":
		email = seed.StaffEmail
	case "referrer":
		email, slug = seed.ReferrerEmail, seed.Slug
	}
	b := newBrowser()
	token, err := s.requestLink(b, email, slug)
	if err != nil {
		return nil, err
	}
	if _, err := s.do(b, http.MethodPost, "/v1/auth/sessions", map[string]string{"token": token}, nil); err != nil {
		return nil, err
	}
	u, _ := url.Parse(s.Base)
	for _, c := range b.http.Jar.Cookies(u) {
		switch c.Name {
		case "rl_session":
			b.session = c.Value
		case "rl_csrf":
			b.csrf = c.Value
		}
	}
	if b.session == "" || b.csrf == "" {
		return nil, fmt.Errorf("signing %s in set no session cookies", who)
	}
	s.browsers[who] = b
	return b, nil
}

type item struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

type page struct {
	Items []item `json:"items"`
}

// value is what a placeholder stands for in event (see events/README.md's table).
func (s *Stack) value(event, name string) (string, error) {
	key := name
	switch name {
	case "session", "csrf":
		key = name + "@" + As(event)
	case "referralId", "token":
		key = name + "@" + referralKind(event)
	}
	if v, ok := s.vals[key]; ok {
		return v, nil
	}
	v, err := s.make(event, name)
	if err == nil {
		s.vals[key] = v
	}
	return v, err
}

func referralKind(event string) string {
	switch {
	case event == "referrals.get":
		return "own"
	case event == "referrals.get-other-tenant":
		return "other"
	case event == "pipeline.rate":
		return "closed"
	case event == "auth.session-needs-code":
		return "bound"
	case strings.HasPrefix(event, "submit.self-referral-"):
		return "intake"
	}
	return "received"
}

func (s *Stack) make(event, name string) (string, error) {
	switch name {
	case "session", "csrf":
		who := As(event)
		if who == "" {
			return "", fmt.Errorf("has {{%s}} but no session in eventfill.As", name)
		}
		b, err := s.signIn(who)
		if err != nil {
			return "", err
		}
		if name == "session" {
			return b.session, nil
		}
		return b.csrf, nil
	case "idempotencyKey":
		return ids.NewULID(time.Now()), nil
	case "tenantId":
		b, err := s.signIn("owner")
		if err != nil {
			return "", err
		}
		var me struct{ Practice item }
		_, err = s.do(b, http.MethodGet, "/v1/me", nil, &me)
		return me.Practice.ID, err
	case "partnerId":
		b, err := s.signIn("referrer")
		if err != nil {
			return "", err
		}
		var me struct{ Partner item }
		_, err = s.do(b, http.MethodGet, "/v1/me", nil, &me)
		return me.Partner.ID, err
	case "referrerId", "memberId", "ownerId":
		b, err := s.signIn("owner")
		if err != nil {
			return "", err
		}
		path, email := "/v1/members", seed.StaffEmail
		switch name {
		case "ownerId":
			email = seed.OwnerEmail
		case "referrerId":
			pid, err := s.value(event, "partnerId")
			if err != nil {
				return "", err
			}
			path, email = "/v1/partners/"+pid+"/referrers", seed.ReferrerEmail
		}
		var p page
		if _, err := s.do(b, http.MethodGet, path, nil, &p); err != nil {
			return "", err
		}
		for _, it := range p.Items {
			if it.Email == email {
				return it.ID, nil
			}
		}
		return "", fmt.Errorf("no %s in %s", email, path)
	case "referralId":
		switch kind := referralKind(event); kind {
		case "other":
			// Any referral of another practice answers as one that does not exist.
			return "p_000000000000.r_000000000000." + ids.NewULID(time.Now()), nil
		case "own":
			b, err := s.signIn("referrer")
			if err != nil {
				return "", err
			}
			var p page
			if _, err := s.do(b, http.MethodGet, "/v1/referrals?limit=1", nil, &p); err != nil || len(p.Items) == 0 {
				return "", fmt.Errorf("the demo referrer's referrals: %v", err)
			}
			return p.Items[0].ID, nil
		default:
			b, err := s.signIn("owner")
			if err != nil {
				return "", err
			}
			status := "received"
			if kind == "closed" {
				status = "closed"
			}
			var p page
			if _, err := s.do(b, http.MethodGet, "/v1/referrals?limit=1&status="+status, nil, &p); err != nil || len(p.Items) == 0 {
				return "", fmt.Errorf("no %s referral in the local demo: %v", status, err)
			}
			return p.Items[0].ID, nil
		}
	case "token":
		if referralKind(event) == "intake" {
			return s.intakeToken()
		}
		if referralKind(event) == "bound" {
			// A link asked for in another browser: the event carries no link cookie, so it takes the code.
			return s.requestLink(newBrowser(), seed.ReferrerEmail, seed.Slug)
		}
		// An invitation's link is bound to no browser: the demo referrer invited again.
		b, err := s.signIn("owner")
		if err != nil {
			return "", err
		}
		pid, err := s.value(event, "partnerId")
		if err != nil {
			return "", err
		}
		since := time.Now().Add(-time.Second)
		if _, err := s.do(b, http.MethodPost, "/v1/partners/"+pid+"/invitations", map[string]string{"email": seed.ReferrerEmail, "name": "Dr. Mei Chen"}, nil); err != nil {
			return "", err
		}
		m, err := s.newestMail(seed.ReferrerEmail, since)
		if err != nil {
			return "", err
		}
		t := tokenRE.FindStringSubmatch(m.Text)
		if t == nil {
			return "", fmt.Errorf("the invitation has no link")
		}
		return t[1], nil
	}
	return "", fmt.Errorf("{{%s}} comes from an email only a person can pick (see events/README.md)", name)
}

var placeholder = regexp.MustCompile(`\{\{([A-Za-z]+)\}\}`)

// Fill is event's JSON with every placeholder the stack can give filled, its content-length made
// the body's; missing names the placeholders left and why.
func (s *Stack) Fill(event string, raw []byte) (out []byte, missing []string) {
	seen := map[string]bool{}
	out = placeholder.ReplaceAllFunc(raw, func(m []byte) []byte {
		name := string(m[2 : len(m)-2])
		v, err := s.value(event, name)
		if err != nil {
			if !seen[name] {
				missing = append(missing, "{{"+name+"}}: "+err.Error())
				seen[name] = true
			}
			return m
		}
		return []byte(v)
	})
	var ev map[string]any
	if json.Unmarshal(out, &ev) == nil {
		h, _ := ev["headers"].(map[string]any)
		body, _ := ev["body"].(string)
		if _, ok := h["content-length"]; ok {
			h["content-length"] = strconv.Itoa(len(body))
			if b, err := json.MarshalIndent(ev, "", "  "); err == nil {
				out = append(b, '\n')
			}
		}
	}
	return out, missing
}

// Run fills every events/*.json of dir into out and reports each event: ready, or what it lacks.
func (s *Stack) Run(dir, outDir string, w io.Writer) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return err
	}
	ready := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		out, missing := s.Fill(name, raw)
		if err := os.WriteFile(filepath.Join(outDir, name+".json"), out, 0o600); err != nil {
			return err
		}
		if len(missing) == 0 {
			ready++
			continue
		}
		fmt.Fprintf(w, "  %-40s still has %s\n", name, strings.Join(missing, "; "))
	}
	fmt.Fprintf(w, "%d of %d events in %s are ready to send (sessions last 30 minutes unused; links and codes work once)\n", ready, len(files), outDir)
	return nil
}

var intakeRE = regexp.MustCompile(`/r/confirm#t=(t_[a-z0-9]{12}\.[A-Za-z0-9_-]{43})`)

// intakeToken is the confirmation token of a patient's own referral to the demo practice (sent
// through /r/{slug}'s route by a patient with a fresh address, so no daily limit is in the way).
func (s *Stack) intakeToken() (string, error) {
	email := "patient-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "@example.com"
	since := time.Now().Add(-time.Second)
	form := map[string]any{"forWhom": "me", "sentBy": "ad", "reason": "Lower back pain", "website": "",
		"patient": map[string]any{"firstName": "Rosa", "lastName": "Diaz", "dateOfBirth": "1975-06-14", "email": email, "consentToContact": true}}
	if _, err := s.do(newBrowser(), http.MethodPost, "/v1/practices/"+seed.Slug+"/self-referrals", form, nil); err != nil {
		return "", err
	}
	m, err := s.newestMail(email, since)
	if err != nil {
		return "", err
	}
	t := intakeRE.FindStringSubmatch(m.Text)
	if t == nil {
		return "", fmt.Errorf("the confirmation email has no link")
	}
	return t[1], nil
}
