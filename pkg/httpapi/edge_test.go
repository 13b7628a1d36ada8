package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/problem"
)

// TestParseViewerAddress: X-Viewer-Address is an address (an IPv6 one whose last group looks like
// a port included); CloudFront-Viewer-Address's form, the address and port (IPv6 without
// brackets), is read too; anything else is refused rather than guessed.
func TestParseViewerAddress(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string // want "" for refused
	}{
		{"198.51.100.7:46532", "198.51.100.7"},
		{"198.51.100.7", "198.51.100.7"},
		{" 203.0.113.9:443 ", "203.0.113.9"},
		{"2001:db8::7:46532", "2001:db8::7"},
		{"2001:0db8:85a3:0000:0000:8a2e:0370:7334:46532", "2001:db8:85a3::8a2e:370:7334"},
		{"[2001:db8::7]:46532", "2001:db8::7"},
		{"2001:db8::", "2001:db8::"},
		{"2001:db8::1:80", "2001:db8::1:80"}, // the function's plain address: the last group is no port
		{"::ffff:198.51.100.7", "198.51.100.7"},
		{"::ffff:198.51.100.7:1234", "198.51.100.7"}, // an IPv4 viewer on a dual-stack edge
		{"fe80::1%eth0:80", "fe80::1"},
		{"", ""},
		{"unknown", ""},
		{"198.51.100.7:notaport", ""},
		{"198.51.100.256:80", ""},
		{"1.2.3.4, 5.6.7.8", ""}, // a list (X-Forwarded-For's shape) is not this header
		{strings.Repeat("1", 100), ""},
	} {
		a, ok := ParseViewerAddress(c.in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != c.want {
			t.Errorf("ParseViewerAddress(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

// TestAddrGroup: rate limits count an IPv4 address alone and an IPv6 address by its /64.
func TestAddrGroup(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"198.51.100.7", "198.51.100.7"},
		{"2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"},
		{"2001:db8:aa:bb:ffff:ffff:ffff:ffff", "2001:db8:aa:bb::/64"},
		{"2001:db8:aa:bc::1", "2001:db8:aa:bc::/64"},
		{"::1", "::/64"},
	} {
		if got := AddrGroup(netip.MustParseAddr(c.in)); got != c.want {
			t.Errorf("AddrGroup(%s) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := AddrGroup(netip.Addr{}); got != "" {
		t.Errorf("AddrGroup(zero) = %q", got)
	}
}

const secret = "Zk3q9XbV0pLmN2rT7yWc4hGd8sJf1eKa6uQo5iBx"

// TestClientAddress: behind CloudFront (the request carries the origin secret) the viewer's address
// is CloudFront's header; otherwise, and when the header cannot be read, the peer's. A request
// without the secret never gets its X-Viewer-Address believed: it is refused before.
func TestClientAddress(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name          string
		originSecret  string // Deps.OriginVerify
		sent          string // X-Origin-Verify
		viewer, peer  string
		refused       bool
		addr, group   string
		host, viewerH string
	}{
		{name: "behind CloudFront, IPv4", originSecret: secret, sent: secret, viewer: "198.51.100.7:46532", peer: "130.176.1.2:443",
			addr: "198.51.100.7", group: "198.51.100.7"},
		{name: "behind CloudFront, IPv6 grouped by /64", originSecret: secret, sent: secret, viewer: "2001:db8:1:2:aaaa::9:51000",
			peer: "130.176.1.2:443", addr: "2001:db8:1:2:aaaa::9", group: "2001:db8:1:2::/64"},
		{name: "behind CloudFront, no viewer header: the peer", originSecret: secret, sent: secret, peer: "130.176.1.2:443",
			addr: "130.176.1.2", group: "130.176.1.2"},
		{name: "behind CloudFront, an unreadable header: the peer", originSecret: secret, sent: secret, viewer: "somewhere",
			peer: "130.176.1.2:443", addr: "130.176.1.2", group: "130.176.1.2"},
		{name: "behind CloudFront, the viewer's host", originSecret: secret, sent: secret, viewer: "198.51.100.7:1",
			peer: "130.176.1.2:443", addr: "198.51.100.7", group: "198.51.100.7", viewerH: "D1234.cloudfront.net", host: "d1234.cloudfront.net"},
		{name: "behind CloudFront, a host that is no host name", originSecret: secret, sent: secret, peer: "130.176.1.2:443",
			addr: "130.176.1.2", group: "130.176.1.2", viewerH: "evil.example/\r\nx"},
		{name: "the execute-api URL directly", originSecret: secret, viewer: "198.51.100.7:46532", peer: "203.0.113.50:1", refused: true},
		{name: "a wrong secret", originSecret: secret, sent: secret[1:] + "x", viewer: "198.51.100.7:46532", peer: "203.0.113.50:1", refused: true},
		{name: "off CloudFront: the header is anyone's, the peer counts", viewer: "198.51.100.7:46532", peer: "203.0.113.50:1",
			addr: "203.0.113.50", group: "203.0.113.50", viewerH: "d1234.cloudfront.net"},
		{name: "off CloudFront, IPv6 peer", peer: "[2001:db8:9:9::1]:5000", addr: "2001:db8:9:9::1", group: "2001:db8:9:9::/64"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &Deps{OriginVerify: c.originSecret, Log: slog.New(slog.DiscardHandler)}
			r := httptest.NewRequest("GET", "/v1/me", nil)
			r.RemoteAddr = c.peer
			if c.sent != "" {
				r.Header.Set(OriginVerifyHeader, c.sent)
			}
			if c.viewer != "" {
				r.Header.Set(ViewerAddressHeader, c.viewer)
			}
			if c.viewerH != "" {
				r.Header.Set(ViewerHostHeader, c.viewerH)
			}
			rq, ok := d.begin(r)
			if ok == c.refused {
				t.Fatalf("accepted %v, want refused %v", ok, c.refused)
			}
			if c.refused {
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), requestKey{}, rq))
			if got := clientIP(r); got != c.addr {
				t.Errorf("clientIP = %q, want %q", got, c.addr)
			}
			if got := clientGroup(r); got != c.group {
				t.Errorf("clientGroup = %q, want %q", got, c.group)
			}
			if got := viewerHost(r); got != c.host {
				t.Errorf("viewerHost = %q, want %q", got, c.host)
			}
		})
	}
}

// TestDirectAccessRefused: with the origin secret configured, a request that did not come through
// CloudFront gets 403 direct-access before any handler runs; with it, the handler answers, and its
// links and own origin are the viewer's host.
func TestDirectAccessRefused(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	d := &Deps{OriginVerify: secret, Log: slog.New(slog.NewJSONHandler(&buf, nil))}
	ran := 0
	api := &API{Name: "test", deps: d, Routes: []Route{{"POST", "/v1/things", func(w http.ResponseWriter, r *http.Request) {
		ran++
		writeJSON(w, 200, map[string]string{"origin": d.ownOrigin(r), "links": d.origin(r)})
	}}}}
	h := api.Handler()
	send := func(headers ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "https://abc123.execute-api.us-east-1.amazonaws.com/v1/things", strings.NewReader("{}"))
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := send("Sec-Fetch-Site", "same-origin")
	if w.Code != 403 || !strings.Contains(w.Body.String(), problem.TypeBase+"direct-access") || ran != 0 {
		t.Fatalf("direct: %d %s (handler ran %d)", w.Code, w.Body, ran)
	}
	w = send(OriginVerifyHeader, secret, ViewerHostHeader, "app.referloop.example", "Origin", "https://app.referloop.example",
		RequestIDHeader, "Zx1-req")
	if w.Code != 200 || ran != 1 {
		t.Fatalf("through CloudFront: %d %s", w.Code, w.Body)
	}
	var got map[string]string
	_ = json.Unmarshal(w.Body.Bytes(), &got)
	if got["origin"] != "https://app.referloop.example" || got["links"] != "https://app.referloop.example" {
		t.Errorf("origins %v, want the viewer's host", got)
	}
	// Another site's page through CloudFront is still cross-site.
	if w := send(OriginVerifyHeader, secret, ViewerHostHeader, "app.referloop.example", "Origin", "https://evil.example"); w.Code != 403 ||
		!strings.Contains(w.Body.String(), "cross-site") {
		t.Errorf("cross-site through CloudFront: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(buf.String(), `"requestId":"Zx1-req"`) {
		t.Errorf("the access log does not carry the request id:\n%s", buf.String())
	}
}

// TestRequestDeadline: a request's context ends AnswerReserve before the Lambda's deadline, or
// after DefaultRequestTimeout without one.
func TestRequestDeadline(t *testing.T) {
	t.Parallel()
	if got := requestTimeout(context.Background(), DefaultRequestTimeout); got != DefaultRequestTimeout {
		t.Errorf("without a deadline: %v", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if got := requestTimeout(ctx, DefaultRequestTimeout); got > 10*time.Second-AnswerReserve || got < 10*time.Second-AnswerReserve-time.Second {
		t.Errorf("a 10 s Lambda deadline: %v", got)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	if got := requestTimeout(ctx2, DefaultRequestTimeout); got != minRequestTime {
		t.Errorf("a deadline closer than the reserve: %v", got)
	}
}
