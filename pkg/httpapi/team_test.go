package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
)

// lastMailTo is the newest email to an address.
func (e *env) lastMailTo(to string) string {
	e.t.Helper()
	sent := e.mail.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].To == to {
			return sent[i].Text
		}
	}
	e.t.Fatalf("no mail to %s", to)
	return ""
}

// tokensIn are the link tokens of an email, in order.
func tokensIn(text string) []string {
	var out []string
	for _, part := range strings.Split(text, "#token=")[1:] {
		out = append(out, strings.Fields(part)[0])
	}
	return out
}

// addMember makes the owner invite email to the team with role and returns the member's id.
func (c *client) addMember(email, name, role string) string {
	c.e.t.Helper()
	r := c.do("POST", "/v1/members", map[string]string{"email": email, "name": name, "role": role})
	if r.status != 201 {
		c.e.t.Fatalf("add member %s: %d %s", email, r.status, r.raw)
	}
	return r.body["id"].(string)
}

// invite makes staff invite email as a referrer of a new partner and returns the partner's id.
func (c *client) invite(partnerName, email string) string {
	c.e.t.Helper()
	r := c.do("POST", "/v1/partners", map[string]string{"name": partnerName, "kind": "pcp"})
	if r.status != 201 {
		c.e.t.Fatalf("partner: %d %s", r.status, r.raw)
	}
	pid := r.body["id"].(string)
	if r := c.do("POST", "/v1/partners/"+pid+"/invitations", map[string]string{"email": email, "name": "Dr. Who"}); r.status != 202 {
		c.e.t.Fatalf("invite: %d %s", r.status, r.raw)
	}
	return pid
}

// state is a listed person's state (referrers of a partner, or members) by address.
func (c *client) state(list, email string) string {
	c.e.t.Helper()
	r := c.do("GET", list, nil)
	if r.status != 200 {
		c.e.t.Fatalf("%s: %d %s", list, r.status, r.raw)
	}
	for _, it := range r.body["items"].([]any) {
		m := it.(map[string]any)
		if m["email"] == email {
			return m["state"].(string)
		}
	}
	return "absent"
}

// TestOneSigninListsEveryPracticeAndRole: an address that is staff of one practice and a referrer
// of two gets, from /signin with its email only, one email with a link to each, and each link signs
// in to its practice in its role; an unknown address gets the same answer and no email.
func TestOneSigninListsEveryPracticeAndRole(t *testing.T) {
	e := newEnv(t)
	a := e.practice("Alder Clinic", "owner@alder.example")
	b := e.practice("Birch Rehab", "owner@birch.example")
	c := e.practice("Cedar Spine", "owner@cedar.example")
	const who = "sam@multi.example"
	a.addMember(who, "Sam Staff", practice.RoleStaff)
	b.invite("Sam's Office", who)
	c.invite("Sam's Office", who)

	anon := e.client()
	before := e.mailsTo(who)
	known := anon.do("POST", "/v1/auth/links", map[string]string{"email": who})
	unknown := e.client().do("POST", "/v1/auth/links", map[string]string{"email": "nobody@multi.example"})
	if known.status != 202 || known.raw != unknown.raw {
		t.Fatalf("answers differ: %d %s / %d %s", known.status, known.raw, unknown.status, unknown.raw)
	}
	if e.mailsTo("nobody@multi.example") != 0 {
		t.Fatal("an unknown address got mail from /signin")
	}
	if e.mailsTo(who) != before+1 {
		t.Fatalf("%d emails, want one with every link", e.mailsTo(who)-before)
	}
	text := e.lastMailTo(who)
	toks := tokensIn(text)
	if len(toks) != 3 {
		t.Fatalf("%d links, want 3:\n%s", len(toks), text)
	}
	want := map[string]string{"Alder Clinic": "staff", "Birch Rehab": "referrer", "Cedar Spine": "referrer"}
	for _, name := range []string{"Alder Clinic (as practice staff)", "Birch Rehab (to refer patients)", "Cedar Spine (to refer patients)"} {
		if !strings.Contains(text, name) {
			t.Errorf("the email does not name %q:\n%s", name, text)
		}
	}
	got := map[string]string{}
	for _, tok := range toks {
		// The first link clears the browser's link cookie; the others take the email's code.
		r := anon.do("POST", "/v1/auth/sessions", map[string]string{"token": tok, "code": e.codeIn(who)})
		if r.status != 200 {
			t.Fatalf("link: %d %s", r.status, r.raw)
		}
		got[r.body["practice"].(map[string]any)["name"].(string)] = r.body["user"].(map[string]any)["role"].(string)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: signed in as %q, want %q", k, got[k], v)
		}
	}
	// Signing in accepted the invitations: every one is active now.
	if s := a.state("/v1/members", who); s != "active" {
		t.Errorf("member state %s, want active", s)
	}
}

// TestInvitationLinks: an invitation (a staff member's, a referrer's) is a link of its own:
// single use, valid 7 days, resending stops the link before, revoking stops it and removes the
// person, who then gets no sign-in link for that practice either.
func TestInvitationLinks(t *testing.T) {
	for _, kind := range []string{"member", "referrer"} {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t)
			clock := e.useClock()
			ownerEmail := "owner@invite-" + kind + ".example"
			owner := e.practice("Invite Clinic "+kind, ownerEmail)
			n := 0
			// invite sends a new invitation and returns the address, its list and resend/revoke path.
			invite := func() (email, list, path string) {
				n++
				email = kind + string(rune('a'+n)) + "@inv.example"
				if kind == "member" {
					id := owner.addMember(email, "Pat", practice.RoleStaff)
					return email, "/v1/members", "/v1/members/" + id + "/invitation"
				}
				pid := owner.invite("Office "+email, email)
				list = "/v1/partners/" + pid + "/referrers"
				r := owner.do("GET", list, nil)
				rid := r.body["items"].([]any)[0].(map[string]any)["id"].(string)
				return email, list, list + "/" + rid + "/invitation"
			}
			use := func(tok string) resp {
				return e.client().do("POST", "/v1/auth/sessions", map[string]string{"token": tok})
			}

			// Single use; once used the person is active.
			email, list, _ := invite()
			if s := owner.state(list, email); s != "pending" {
				t.Fatalf("state %s, want pending", s)
			}
			tok := e.lastToken(email)
			if r := use(tok); r.status != 200 {
				t.Fatalf("first use: %d %s", r.status, r.raw)
			}
			if r := use(tok); r.status != 401 || problemType(r) != "invalid-link" {
				t.Fatalf("second use: %d %s", r.status, r.raw)
			}
			if s := owner.state(list, email); s != "active" {
				t.Fatalf("state %s, want active", s)
			}

			// Valid 7 days: at 6 days 23 hours it works, past 7 days it does not (and the list says expired).
			email, list, _ = invite()
			tok = e.lastToken(email)
			clock.add(7*24*time.Hour + time.Minute)
			owner = e.signIn(ownerEmail, "")
			if s := owner.state(list, email); s != "expired" {
				t.Fatalf("state %s, want expired", s)
			}
			if r := use(tok); r.status != 401 {
				t.Fatalf("8-day-old invitation: %d %s", r.status, r.raw)
			}
			email, _, _ = invite()
			tok = e.lastToken(email)
			clock.add(7*24*time.Hour - time.Hour)
			if r := use(tok); r.status != 200 {
				t.Fatalf("7-day-old invitation: %d %s", r.status, r.raw)
			}
			owner = e.signIn(ownerEmail, "")

			// Resend: a new link, the one before stops working.
			email, _, path := invite()
			old := e.lastToken(email)
			if r := owner.do("POST", path, nil); r.status != 202 || r.body["state"] != "pending" {
				t.Fatalf("resend: %d %s", r.status, r.raw)
			}
			fresh := e.lastToken(email)
			if fresh == old {
				t.Fatal("resend sent the same link")
			}
			if r := use(old); r.status != 401 {
				t.Fatalf("link before the resend: %d %s", r.status, r.raw)
			}
			if r := use(fresh); r.status != 200 {
				t.Fatalf("resent link: %d %s", r.status, r.raw)
			}
			if r := owner.do("POST", path, nil); r.status != 409 {
				t.Fatalf("resend to an active person: %d %s", r.status, r.raw)
			}

			// Revoke: the link stops working, the person is gone, /signin gives them nothing.
			email, list, path = invite()
			tok = e.lastToken(email)
			if r := owner.do("DELETE", path, nil); r.status != 204 {
				t.Fatalf("revoke: %d %s", r.status, r.raw)
			}
			if r := use(tok); r.status != 401 {
				t.Fatalf("revoked link: %d %s", r.status, r.raw)
			}
			if s := owner.state(list, email); s != "absent" {
				t.Fatalf("revoked person listed as %s", s)
			}
			before := e.mailsTo(email)
			if r := e.client().do("POST", "/v1/auth/links", map[string]string{"email": email}); r.status != 202 {
				t.Fatalf("link: %d %s", r.status, r.raw)
			}
			if e.mailsTo(email) != before {
				t.Fatal("a revoked invitee got a sign-in link")
			}
			if r := owner.do("DELETE", path, nil); r.status != 409 && r.status != 404 {
				t.Fatalf("revoke twice: %d %s", r.status, r.raw)
			}
		})
	}
}

// TestExpiredInvitationSignsInFromSignin: a referrer whose invitation expired asks /signin with
// their email only and gets a link that signs them in to refer.
func TestExpiredInvitationSignsInFromSignin(t *testing.T) {
	e := newEnv(t)
	clock := e.useClock()
	owner := e.practice("Late Clinic", "owner@late.example")
	const who = "dr.late@late-fm.example"
	owner.invite("Late Family Medicine", who)
	clock.add(8 * 24 * time.Hour)
	if r := e.client().do("POST", "/v1/auth/sessions", map[string]string{"token": e.lastToken(who)}); r.status != 401 {
		t.Fatalf("expired invitation: %d %s", r.status, r.raw)
	}
	ref := e.signIn(who, "")
	if r := ref.do("POST", "/v1/referrals", submission("Knee pain after a fall"), "Idempotency-Key", ids.NewULID(clock.now())); r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
}

// TestTeamActionsAreAuditedAsTheActor: the owner adds a staff member, who signs in and works; each
// action is in the audit trail under the address of whoever did it; deactivating the member ends
// their session at once. Staff cannot manage the team.
func TestTeamActionsAreAuditedAsTheActor(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Audit Team Clinic", "owner@auditteam.example")
	const jo = "jo@auditteam.example"
	id := owner.addMember(jo, "Jo Park", practice.RoleStaff)
	if id != ids.EmailKey(jo) {
		t.Fatalf("member id %s", id)
	}
	staff := e.client()
	if r := staff.do("POST", "/v1/auth/sessions", map[string]string{"token": e.lastToken(jo)}); r.status != 200 {
		t.Fatalf("accept: %d %s", r.status, r.raw)
	}
	ref, _ := e.referrer(owner, "Audit FM", "dr.a@audit-fm.example")
	_, _ = ref.submit("Low back pain")
	e.pump()
	list := staff.do("GET", "/v1/referrals", nil)
	items, _ := list.body["items"].([]any)
	if list.status != 200 || len(items) != 1 {
		t.Fatalf("staff queue: %d %s", list.status, list.raw)
	}
	rid := items[0].(map[string]any)["id"].(string)
	if r := staff.do("GET", "/v1/referrals/"+rid, nil); r.status != 200 {
		t.Fatalf("staff read: %d %s", r.status, r.raw)
	}
	staff.invite("Jo's Partner", "dr.j@jo-partner.example")
	for _, path := range []string{"/v1/members", "/v1/members/" + ids.EmailKey("owner@auditteam.example") + "/invitation"} {
		if r := staff.do("POST", path, map[string]string{"email": "x@y.example", "name": "X", "role": "staff"}); r.status != 403 {
			t.Fatalf("staff POST %s: %d %s", path, r.status, r.raw)
		}
	}
	if r := owner.do("DELETE", "/v1/members/"+id, nil); r.status != 200 || r.body["state"] != "deactivated" {
		t.Fatalf("deactivate: %d %s", r.status, r.raw)
	}
	if r := staff.do("GET", "/v1/referrals", nil); r.status != 401 {
		t.Fatalf("deactivated member's session: %d", r.status)
	}
	e.pump()
	page, err := e.store.AuditDay(context.Background(), tenantOf(owner), time.Now().UTC().Format(time.DateOnly), 200, "")
	if err != nil {
		t.Fatal(err)
	}
	actors := map[string]string{}
	for _, a := range page.Items {
		switch {
		case strings.HasPrefix(a.Action, "invited staff member"), strings.HasPrefix(a.Action, "deactivated member"),
			strings.HasPrefix(a.Action, "invited referrer") && a.Actor == jo,
			a.Referral == rid && a.Actor == jo:
			actors[strings.Fields(a.Action)[0]] = a.Actor + "/" + a.Role
		}
	}
	for action, want := range map[string]string{"invited": "", "deactivated": "owner@auditteam.example/owner"} {
		if want != "" && actors[action] != want {
			t.Errorf("%s: audited as %q, want %q", action, actors[action], want)
		}
	}
	sawStaffRead, sawStaffInvite := false, false
	for _, a := range page.Items {
		if a.Actor == jo && a.Role == practice.RoleStaff && a.Referral == rid {
			sawStaffRead = true
		}
		if a.Actor == jo && strings.HasPrefix(a.Action, "invited referrer") {
			sawStaffInvite = true
		}
		if strings.HasPrefix(a.Action, "invited staff member") && a.Actor != "owner@auditteam.example" {
			t.Errorf("the member's invitation audited as %s", a.Actor)
		}
	}
	if !sawStaffRead || !sawStaffInvite {
		t.Errorf("the staff member's work is not audited as them (read %v, invite %v): %+v", sawStaffRead, sawStaffInvite, page.Items)
	}
}

// TestUninvitedProviderJoinsFromThePublicPage: an address the practice does not know asks a link on
// the practice's page, gets a join link, gives its details and signs in as a referrer of a new,
// unconfirmed partner; its referral arrives like any other; staff confirm the source. The page's
// daily limit per address holds, with the same answer.
func TestUninvitedProviderJoinsFromThePublicPage(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Open Door PT", "owner@opendoor.example")
	const who = "dr.new@newclinic.example"
	browser := e.client()
	if r := browser.do("POST", "/v1/auth/links", map[string]string{"email": who, "practice": "open-door-pt"}); r.status != 202 {
		t.Fatalf("link: %d %s", r.status, r.raw)
	}
	text := e.lastMailTo(who)
	if !strings.Contains(text, "Open Door PT (to refer patients as a new referring provider)") {
		t.Fatalf("join email:\n%s", text)
	}
	tok := e.lastToken(who)
	if r := browser.do("POST", "/v1/auth/link-previews", map[string]string{"token": tok}); r.status != 200 || r.body["purpose"] != "join" {
		t.Fatalf("preview: %d %s", r.status, r.raw)
	}
	for _, c := range []struct {
		join  map[string]string
		field string
	}{
		{nil, "join.organization"},
		{map[string]string{"name": "Dr. New", "organization": ""}, "join.organization"},
		{map[string]string{"name": "", "organization": "New Clinic"}, "join.name"},
		{map[string]string{"name": "Dr. New", "organization": "New Clinic", "npi": "1234567890"}, "join.npi"},
		{map[string]string{"name": "Dr. New", "organization": "New Clinic", "kind": "patient"}, "join.kind"},
	} {
		body := map[string]any{"token": tok}
		if c.join != nil {
			body["join"] = c.join
		}
		r := browser.do("POST", "/v1/auth/sessions", body)
		if r.status != 422 || !strings.Contains(strings.Join(r.fields(), ","), c.field) {
			t.Errorf("%v: %d %s, want a 422 on %s", c.join, r.status, r.raw, c.field)
		}
	}
	r := browser.do("POST", "/v1/auth/sessions", map[string]any{"token": tok,
		"join": map[string]string{"name": "Dr. New", "organization": "New Clinic", "npi": "1234567893"}})
	if r.status != 200 || r.body["user"].(map[string]any)["role"] != "referrer" {
		t.Fatalf("join: %d %s", r.status, r.raw)
	}
	if s, _ := browser.submit("Shoulder pain"); s.status != 201 {
		t.Fatalf("submit: %d %s", s.status, s.raw)
	}
	e.pump()
	parts := owner.do("GET", "/v1/partners", nil)
	var pid string
	for _, it := range parts.body["items"].([]any) {
		p := it.(map[string]any)
		if p["name"] == "New Clinic" {
			pid = p["id"].(string)
			if p["unconfirmed"] != true || p["npi"] != "1234567893" || p["contactEmail"] != who {
				t.Fatalf("new source: %v", p)
			}
		}
	}
	if pid == "" {
		t.Fatalf("no new source listed: %s", parts.raw)
	}
	q := owner.do("GET", "/v1/referrals", nil)
	if items, _ := q.body["items"].([]any); len(items) != 1 {
		t.Fatalf("the new source's referral is not in the queue: %s", q.raw)
	}
	if r := owner.do("POST", "/v1/partners/"+pid+"/confirm", nil); r.status != 200 || r.body["unconfirmed"] != nil {
		t.Fatalf("confirm: %d %s", r.status, r.raw)
	}
	// Now a referrer, the address gets a sign-in link (no second join) from the page.
	browser.do("POST", "/v1/auth/links", map[string]string{"email": who, "practice": "open-door-pt"})
	if text := e.lastMailTo(who); strings.Contains(text, "new referring provider") || !strings.Contains(text, "Open Door PT (to refer patients)") {
		t.Fatalf("second email:\n%s", text)
	}

	// The page's limit per address and day: past it the same answer, no join link.
	const spam = "victim@elsewhere.example"
	sent := 0
	for i := 0; i < 8; i++ {
		c := e.client()
		r := c.do("POST", "/v1/auth/links", map[string]string{"email": spam, "practice": "open-door-pt"}, peerHeader, "10.9.0."+string(rune('1'+i)))
		if r.status != 202 {
			t.Fatalf("ask %d: %d %s", i, r.status, r.raw)
		}
		sent = e.mailsTo(spam)
	}
	if sent > 5 {
		t.Fatalf("%d join emails to one address in a day, want at most 5", sent)
	}
	t.Logf("join emails to one address after 8 asks: %d", sent)
}

// TestDeactivatedReferrerGetsNoJoinLink: a referrer the practice deactivated cannot come back as
// a new source through the practice's page.
func TestDeactivatedReferrerGetsNoJoinLink(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Closed Door PT", "owner@closeddoor.example")
	const who = "dr.gone@gone.example"
	_, pid := e.referrer(owner, "Gone FM", who)
	list := owner.do("GET", "/v1/partners/"+pid+"/referrers", nil)
	rid := list.body["items"].([]any)[0].(map[string]any)["id"].(string)
	if r := owner.do("DELETE", "/v1/partners/"+pid+"/referrers/"+rid, nil); r.status != 200 || r.body["state"] != "deactivated" {
		t.Fatalf("deactivate: %d %s", r.status, r.raw)
	}
	before := e.mailsTo(who)
	for _, body := range []map[string]string{{"email": who, "practice": "closed-door-pt"}, {"email": who}} {
		if r := e.client().do("POST", "/v1/auth/links", body); r.status != 202 {
			t.Fatalf("link: %d %s", r.status, r.raw)
		}
	}
	if e.mailsTo(who) != before {
		t.Fatalf("a deactivated referrer got mail:\n%s", e.lastMailTo(who))
	}
}

// TestRevokingAReinvitationDeactivatesAgain: a referrer the practice deactivated and invited back
// keeps their history when that invitation is revoked: they are deactivated again, not removed.
func TestRevokingAReinvitationDeactivatesAgain(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Back Again PT", "owner@backagain.example")
	const who = "dr.back@back.example"
	ref, pid := e.referrer(owner, "Back FM", who)
	if r, _ := ref.submit("Neck pain"); r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
	list := "/v1/partners/" + pid + "/referrers"
	rid := owner.do("GET", list, nil).body["items"].([]any)[0].(map[string]any)["id"].(string)
	if r := owner.do("DELETE", list+"/"+rid, nil); r.status != 200 {
		t.Fatalf("deactivate: %d %s", r.status, r.raw)
	}
	if r := owner.do("POST", "/v1/partners/"+pid+"/invitations", map[string]string{"email": who}); r.status != 202 {
		t.Fatalf("invite again: %d %s", r.status, r.raw)
	}
	if s := owner.state(list, who); s != "pending" {
		t.Fatalf("state %s, want pending", s)
	}
	tok := e.lastToken(who)
	if r := owner.do("DELETE", list+"/"+rid+"/invitation", nil); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if s := owner.state(list, who); s != "deactivated" {
		t.Fatalf("state %s after revoking a re-invitation, want deactivated", s)
	}
	if r := e.client().do("POST", "/v1/auth/sessions", map[string]string{"token": tok}); r.status != 401 {
		t.Fatalf("revoked link: %d %s", r.status, r.raw)
	}
	// Their active referral-sending identity is intact: inviting them again works.
	if r := owner.do("POST", "/v1/partners/"+pid+"/invitations", map[string]string{"email": who}); r.status != 202 {
		t.Fatalf("invite a third time: %d %s", r.status, r.raw)
	}
	if r := e.client().do("POST", "/v1/auth/sessions", map[string]string{"token": e.lastToken(who)}); r.status != 200 || r.body["user"].(map[string]any)["role"] != "referrer" {
		t.Fatalf("back in: %d %s", r.status, r.raw)
	}
}

// noScan is the store's DB refusing Scan: no request path may scan.
type noScan struct{ *capacity }

func (n noScan) Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	panic("a request scanned the table")
}

// TestSigninCostIsFlat: finding every practice and role of an address is one Query on the address's
// markers: a sign-in request costs the same read capacity for a referrer of a practice with one
// referrer as for one of a practice with 200 (and of 3 practices at once, the same Query), and no
// request scans.
func TestSigninCostIsFlat(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	small := e.practice("Flat Small", "owner@flatsmall.example")
	big := e.practice("Flat Big", "owner@flatbig.example")
	third := e.practice("Flat Third", "owner@flatthird.example")
	small.invite("Small FM", "dr.small@flat.example")
	big.invite("Big FM", "dr.big@flat.example")
	third.invite("Third FM", "dr.big@flat.example")
	tid := tenantOf(big)
	for i := 0; i < 200; i++ {
		ref, err := e.store.EnsureReferrer(ctx, tid, partner.Referrer{ID: ids.Short("r_"), PartnerID: "p_bulk", Email: fmt.Sprintf("bulk%03d@flat.example", i), Name: "Bulk"})
		if err == nil {
			err = e.store.PutReferrerMarker(ctx, tid, "Flat Big", ref)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	meter := &capacity{DB: e.store.DB}
	e.store.DB = noScan{meter}
	cost := func(email string) float64 {
		meter.take()
		if r := e.client().do("POST", "/v1/auth/links", map[string]string{"email": email}); r.status != 202 {
			t.Fatalf("link: %d %s", r.status, r.raw)
		}
		read, _ := meter.take()
		return read
	}
	a, b := cost("dr.small@flat.example"), cost("dr.big@flat.example")
	t.Logf("read units of a sign-in request: referrer of a 1-referrer practice %.1f, of a 201-referrer practice and another %.1f", a, b)
	if a != b {
		t.Errorf("read units differ: %.1f vs %.1f", a, b)
	}
	if n := len(tokensIn(e.lastMailTo("dr.big@flat.example"))); n != 2 {
		t.Errorf("%d links for a referrer of two practices, want 2", n)
	}
}

// TestResendsAreLimited: resending counts against the invitation limits of the address (3 a day
// from one practice); past them the answer is 429 with Retry-After and no email goes.
func TestResendsAreLimited(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Resend Limits PT", "owner@resendlimits.example")
	const who = "pat@resendlimits.example"
	id := owner.addMember(who, "Pat", practice.RoleStaff)
	codes := []int{}
	for i := 0; i < 4; i++ {
		codes = append(codes, owner.do("POST", "/v1/members/"+id+"/invitation", nil).status)
	}
	if fmt.Sprint(codes) != "[202 202 429 429]" {
		t.Fatalf("resend answers %v, want [202 202 429 429] (the invitation and 2 resends make the address's 3 a day)", codes)
	}
	if n := e.mailsTo(who); n != 3 {
		t.Fatalf("%d invitation emails, want 3", n)
	}
}
