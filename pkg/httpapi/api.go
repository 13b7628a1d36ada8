// Package httpapi holds the net/http handlers of Referloop's API functions. Each function of
// template.yaml is one API here (a set of routes); in Lambda it runs behind the API Gateway adapter
// (pkg/lambdahttp), locally infra mounts the same handler at the routes template.yaml gives it.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/store"
)

// MaxBody is the largest request body accepted.
const MaxBody = 64 << 10

// Deps are what handlers need, built once at cold start.
type Deps struct {
	Store  *store.Store
	Signer *auth.Signer
	Mailer notify.Mailer
	// Origin is the portal's origin for links in emails; "" uses the origin the request came to
	// (behind CloudFront, the host the viewer asked for).
	Origin string
	// OriginVerify is the value CloudFront sends in X-Origin-Verify (template.yaml's
	// OriginVerifySecret): when set, a request without it came to the execute-api URL directly and is
	// refused, and CloudFront's viewer address and host are believed. "" off CloudFront.
	OriginVerify string
	// RequestTimeout bounds a request without a deadline of its own (DefaultRequestTimeout when 0);
	// in Lambda the invocation's deadline, less AnswerReserve, bounds it.
	RequestTimeout time.Duration
	// InsecureCookies drops the Secure flag (plain-HTTP local stack only).
	InsecureCookies bool
	Log             *slog.Logger
	Now             func() time.Time
	// Limits cap invitations and submits per day (nil: DefaultLimits).
	Limits *Limits

	hours     hoursCache // per container: practices' contact-by hours
	mailTimes mailTimes  // per container: how long the last sign-in emails took to send
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Deps) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

// Route is one method and path of an API.
type Route struct {
	Method  string
	Path    string
	Handler http.HandlerFunc
}

// handler is an API handler: it writes one response, or returns the error the adapter answers
// (see problemFor).
type handler func(w http.ResponseWriter, r *http.Request) error

// public adapts h, a handler that needs no session: its error is answered as a problem.
func (d *Deps) public(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			d.fail(w, r, err)
		}
	}
}

// Pattern is the ServeMux pattern of the route.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// API is the set of routes one Lambda function serves.
type API struct {
	Name   string
	Routes []Route
	deps   *Deps
	// bodyLimits raises MaxBody for a route pattern ("POST /v1/imports/partners").
	bodyLimits map[string]int64
	mux        *http.ServeMux
}

// Builders maps each API function's folder name (functions/<name>) to its API.
var Builders = map[string]func(*Deps) *API{
	"auth":      Auth,
	"practice":  Practice,
	"submit":    Submit,
	"referrals": Referrals,
	"pipeline":  Pipeline,
	"status":    Status,
	"metrics":   Metrics,
	"outreach":  Outreach,
	"network":   Network,
}

// Handler serves the API's routes, with body limit, panic recovery, security headers, a deadline
// short of the function's, the origin check and a PHI-free access log.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range a.Routes {
		mux.HandleFunc(rt.Pattern(), rt.Handler)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, problem.NotFound("route "+r.Method+" "+r.URL.Path))
	})
	a.mux = mux
	return a.wrap(mux)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (a *API) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		rq, viaOrigin := a.deps.begin(r)
		fallback := a.deps.RequestTimeout
		if fallback <= 0 {
			fallback = DefaultRequestTimeout
		}
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), requestKey{}, rq), requestTimeout(r.Context(), fallback))
		defer cancel()
		r = r.WithContext(ctx)
		r.Body = http.MaxBytesReader(sw, r.Body, a.bodyLimit(r))
		defer func() {
			if v := recover(); v != nil {
				rq.log.Error("panic", "api", a.Name, "route", r.Pattern, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					problem.Write(sw, problem.Internal())
				}
			}
			// The route pattern, never the query or the body: no PHI in logs.
			rq.log.Info("request", "api", a.Name, "method", r.Method, "route", r.Pattern, "status", sw.status,
				"ms", time.Since(start).Milliseconds())
		}()
		if !viaOrigin {
			problem.Write(sw, directAccess)
			return
		}
		if a.deps.crossSite(r) {
			problem.Write(sw, crossSiteRequest)
			return
		}
		next.ServeHTTP(sw, r)
	})
}

var crossSiteRequest = problem.New(http.StatusForbidden, "cross-site", "Cross-site request refused",
	"changes are accepted only from Referloop's own pages")

// crossSite reports whether a state-changing request (anything but GET, HEAD, OPTIONS) was made by
// another site's page, besides the CSRF token that signed-in requests carry. Browsers tell with
// Sec-Fetch-Site, a header no page can set: only "same-origin" passes ("same-site" is a sibling
// subdomain, "cross-site" another site, "none" no page at all). A browser that does not send it (older
// ones) sends Origin on such a request, which must then be the portal's origin. A request with
// neither header was not made by a browser's page (curl, a server, a test client): it carries no
// cookie a browser added on its own, so there is nothing to forge, and it passes (a signed-in one
// still needs its CSRF token).
func (d *Deps) crossSite(r *http.Request) bool {
	if !unsafeMethod(r.Method) {
		return false
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin":
		return false
	case "":
	default:
		return true
	}
	o := r.Header.Get("Origin")
	return o != "" && !strings.EqualFold(o, d.ownOrigin(r))
}

// ownOrigin is the portal's origin: the configured one, or the one the request came to.
func (d *Deps) ownOrigin(r *http.Request) string {
	if d.Origin != "" {
		return strings.TrimSuffix(d.Origin, "/")
	}
	if h := viewerHost(r); h != "" {
		return "https://" + h
	}
	if d.InsecureCookies {
		return "http://" + r.Host
	}
	return "https://" + r.Host
}

// writeJSON sends v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into v: 415 for another content type, 413 when too large, 400 for
// malformed JSON or unknown fields.
func decode(r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Send JSON",
			"the body must be application/json")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		var syntax *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooLarge):
			return problem.TooLarge(MaxBody)
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				field = "(body)"
			}
			return problem.Invalid(field, "must be "+jsonKind(typeErr.Type.Kind().String()))
		case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
			return problem.BadRequest("the body is not valid JSON")
		case errors.Is(err, io.EOF):
			return problem.BadRequest("the body is empty; send a JSON object")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return problem.Invalid(name, "is not a field of this request")
		default:
			return problem.BadRequest("the body could not be read as JSON")
		}
	}
	if dec.More() {
		return problem.BadRequest("the body holds more than one JSON value")
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "float64":
		return "a number"
	case "slice":
		return "a list"
	case "struct", "map":
		return "an object"
	}
	return "of another type"
}

// origin is where links in emails point.
func (d *Deps) origin(r *http.Request) string {
	if d.Origin != "" {
		return strings.TrimSuffix(d.Origin, "/")
	}
	if h := viewerHost(r); h != "" {
		return "https://" + h
	}
	return "https://" + r.Host
}

// bodyLimit is the largest body the route of r takes: MaxBody unless the API raised it.
func (a *API) bodyLimit(r *http.Request) int64 {
	if len(a.bodyLimits) > 0 && a.mux != nil {
		if _, pattern := a.mux.Handler(r); a.bodyLimits[pattern] > 0 {
			return a.bodyLimits[pattern]
		}
	}
	return MaxBody
}
