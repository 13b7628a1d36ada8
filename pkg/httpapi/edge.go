package httpapi

import (
	"context"
	"crypto/hmac"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/problem"
)

// What reaches a function from CloudFront (template.yaml's PortalDistribution): the origin secret it
// adds to every request it forwards, the viewer's address and the host the viewer asked for.
const (
	// OriginVerifyHeader carries Deps.OriginVerify. CloudFront sets it on the way to the API and
	// replaces any value a viewer sent under the same name.
	OriginVerifyHeader = "X-Origin-Verify"
	// ViewerAddressHeader is the viewer's address, as template.yaml's ApiViewerHostFunction sets it
	// from CloudFront's event.viewer.ip on every /v1/* request (a viewer's own value is
	// overwritten): "198.51.100.7" or "2001:db8::7". ParseViewerAddress also reads the form of
	// CloudFront's own CloudFront-Viewer-Address header (the address and port), which an origin
	// request policy would have to name to get; the function's header needs no such policy.
	ViewerAddressHeader = "X-Viewer-Address"
	// ViewerHostHeader is the host the viewer asked for (template.yaml's ApiViewerHostFunction).
	ViewerHostHeader = "X-Viewer-Host"
	// RequestIDHeader is the API Gateway request id (pkg/lambdahttp sets it from the event).
	RequestIDHeader = "X-Request-Id"
)

// Deadlines: every request gets a context that ends AnswerReserve before the Lambda's own deadline
// (or DefaultRequestTimeout after it starts, without one), so a hung AWS call fails with the
// context's error while the function still has time to answer its own 503 problem, instead of Lambda
// killing it at its timeout.
const (
	AnswerReserve         = 1500 * time.Millisecond
	DefaultRequestTimeout = 9 * time.Second
	minRequestTime        = 100 * time.Millisecond
)

// requestTimeout is how long a request may take, from its context.
func requestTimeout(ctx context.Context, fallback time.Duration) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return fallback
	}
	if left := time.Until(dl) - AnswerReserve; left > minRequestTime {
		return left
	}
	return minRequestTime
}

// request is what wrap learns about a request once, for the handlers and the logs.
type request struct {
	id   string
	addr netip.Addr // the client's address ("" when unknown)
	host string     // the viewer's host behind CloudFront, "" otherwise
	log  *slog.Logger
}

type requestKey struct{}

func requestOf(r *http.Request) *request {
	if rq, ok := r.Context().Value(requestKey{}).(*request); ok {
		return rq
	}
	return nil
}

// logFor is the log of a request: every line carries its request id.
func (d *Deps) logFor(r *http.Request) *slog.Logger {
	if rq := requestOf(r); rq != nil {
		return rq.log
	}
	return d.log()
}

// requestIDChars: 1 to 64 of A-Z a-z 0-9 = _ . - (checked by hand: a regular expression compiled
// at package init is cold-start time).
func requestIDChars(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(lowerDigit(c) || c >= 'A' && c <= 'Z' || c == '=' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// hostName: dot-separated labels of a-z 0-9 and inner hyphens.
func hostName(s string) bool {
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !lowerDigit(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

func lowerDigit(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// begin reads what the request says of itself: its id, whether CloudFront forwarded it (the origin
// secret), the client's address and the viewer's host. ok is false for a request that should have
// come through CloudFront and did not.
func (d *Deps) begin(r *http.Request) (rq *request, ok bool) {
	rq = &request{}
	if id := r.Header.Get(RequestIDHeader); requestIDChars(id) {
		rq.id = id
	} else {
		rq.id = ids.Token(9)
	}
	rq.log = d.log().With("requestId", rq.id)
	viaCloudFront := false
	if d.OriginVerify != "" {
		got := r.Header.Get(OriginVerifyHeader)
		if got == "" || !hmac.Equal([]byte(got), []byte(d.OriginVerify)) {
			return rq, false
		}
		viaCloudFront = true
	}
	rq.addr = ClientAddr(r, viaCloudFront)
	if h := strings.ToLower(r.Header.Get(ViewerHostHeader)); viaCloudFront && len(h) <= 253 && hostName(h) {
		rq.host = h
	}
	return rq, true
}

var directAccess = problem.New(http.StatusForbidden, "direct-access", "Use Referloop's own address",
	"this API answers requests that come through the portal's address only")

// ClientAddr is the address a request came from: behind CloudFront (viaCloudFront: the request
// carried the origin secret, so CloudFront set the header and no viewer could) the viewer's address
// from X-Viewer-Address, else the peer (API Gateway's source IP in Lambda, the TCP peer
// locally). An IPv4-mapped IPv6 address is its IPv4 address; a zone is dropped. It is the zero Addr
// when neither can be read.
func ClientAddr(r *http.Request, viaCloudFront bool) netip.Addr {
	if viaCloudFront {
		if a, ok := ParseViewerAddress(r.Header.Get(ViewerAddressHeader)); ok {
			return a
		}
	}
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		host = h
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}

// ParseViewerAddress reads X-Viewer-Address: an IPv4 or IPv6 address; also the form of
// CloudFront-Viewer-Address, the address and, after its last colon, the viewer's port
// ("203.0.113.9:51234", "2001:db8::1:51234"), and "[v6]:port". ok is false for anything else.
func ParseViewerAddress(v string) (netip.Addr, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 64 {
		return netip.Addr{}, false
	}
	// An address first: "2001:db8::1:80" is an IPv6 address, not 2001:db8::1 and a port.
	if a, err := netip.ParseAddr(v); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if i := strings.LastIndexByte(v, ':'); i > 0 {
		if _, err := strconv.ParseUint(v[i+1:], 10, 16); err == nil {
			if a, err := netip.ParseAddr(v[:i]); err == nil && a.Is6() && !strings.HasPrefix(v, "[") {
				return a.Unmap().WithZone(""), true
			}
		}
	}
	return netip.Addr{}, false
}

// AddrGroup is what the per-address rate limits count: an IPv4 address as it is, an IPv6 address by
// its /64 (one subscriber's network: a host picks a new address within it at will). "" for the zero
// Addr.
func AddrGroup(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return ""
	case a.Is4():
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// clientIP is the client's address for audit records: the viewer's behind CloudFront.
func clientIP(r *http.Request) string {
	if rq := requestOf(r); rq != nil {
		if rq.addr.IsValid() {
			return rq.addr.String()
		}
		return ""
	}
	if a := ClientAddr(r, false); a.IsValid() {
		return a.String()
	}
	return r.RemoteAddr
}

// clientGroup is the client's address as the rate limits count it (AddrGroup).
func clientGroup(r *http.Request) string {
	a := ClientAddr(r, false)
	if rq := requestOf(r); rq != nil {
		a = rq.addr
	}
	if g := AddrGroup(a); g != "" {
		return g
	}
	return r.RemoteAddr
}

// viewerHost is the host the viewer asked CloudFront for, or "".
func viewerHost(r *http.Request) string {
	if rq := requestOf(r); rq != nil {
		return rq.host
	}
	return ""
}
