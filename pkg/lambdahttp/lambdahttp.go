// Package lambdahttp runs a net/http handler as a Lambda function behind an API Gateway HTTP API
// (payload format 2.0). It is the project's one import of aws-lambda-go-api-proxy.
package lambdahttp

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// Handler adapts h to the Lambda entry point of an HTTP API function.
func Handler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return httpadapter.NewV2(h).ProxyWithContext
}

// Start serves h as this Lambda function. It never returns.
func Start(h http.Handler) { lambda.Start(Handler(h)) }
