package lambdahttp

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/pkg/httpapi"
)

// TestRequestID: the handler gets API Gateway's request id (the access log's), never the caller's.
func TestRequestID(t *testing.T) {
	if RequestIDHeader != httpapi.RequestIDHeader {
		t.Fatalf("lambdahttp sets %s, httpapi reads %s", RequestIDHeader, httpapi.RequestIDHeader)
	}
	var got string
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get(RequestIDHeader)
		w.WriteHeader(204)
	}))
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "GET /v1/me", RawPath: "/v1/me",
		Headers:        map[string]string{"x-request-id": "forged"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "Abc123=", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/v1/me"}}}
	if _, err := h(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if got != "Abc123=" {
		t.Errorf("request id %q, want API Gateway's", got)
	}
}
