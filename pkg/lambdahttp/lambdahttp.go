// Package lambdahttp runs a net/http handler as a Lambda function behind an API Gateway HTTP API
// (payload format 2.0). It is the project's one import of aws-lambda-go-api-proxy.
package lambdahttp

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// RequestIDHeader is the request header that carries API Gateway's request id to the handler (the
// id of the API's access log line); whatever the caller sent under that name is replaced.
const RequestIDHeader = "X-Request-Id"

// Handler adapts h to the Lambda entry point of an HTTP API function.
func Handler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return httpadapter.NewV2(withRequestID(h)).ProxyWithContext
}

// withRequestID hands h API Gateway's request id in RequestIDHeader.
func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del(RequestIDHeader)
		if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.RequestID != "" {
			r.Header.Set(RequestIDHeader, rc.RequestID)
		}
		h.ServeHTTP(w, r)
	})
}

// Start serves h as this Lambda function. It never returns.
func Start(h http.Handler) { lambda.Start(Handler(h)) }
