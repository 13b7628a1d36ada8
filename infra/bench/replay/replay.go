// Package replay issues again, alone, the DynamoDB calls an API operation made (as a capacity
// meter recorded them): the floor of the operation's latency is the latency of its raw calls.
package replay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/infra/bench/meter"
)

// Plan is an operation's calls, ready to be issued again in order.
type Plan struct {
	steps []step
	// Calls describes them, "GetItem T#…/SESSION#…; PutItem T#…/R#…".
	Calls string
}

type step struct {
	api    string
	in     any
	fresh  bool   // a put that created an item: replays write a fresh key
	failed string // the error the call got when recorded (a retry's failed condition), expected again
}

// ErrNotReplayable is an operation whose calls cannot be issued again with the same effect (a
// conditional delete that spends something, a transaction).
var ErrNotReplayable = errors.New("not replayable")

// FromCalls makes a plan of recorded calls.
func FromCalls(calls []meter.Call) (Plan, error) {
	var p Plan
	var names []string
	for _, c := range calls {
		s := step{api: c.API, failed: c.Failed}
		switch in := c.Input.(type) {
		case *dynamodb.GetItemInput:
			v := *in
			v.ReturnConsumedCapacity = ""
			s.in = &v
		case *dynamodb.QueryInput:
			v := *in
			v.ReturnConsumedCapacity = ""
			s.in = &v
		case *dynamodb.PutItemInput:
			v := *in
			v.ReturnConsumedCapacity = ""
			s.in = &v
			// A put that created an item (unconditional, or put-if-absent) creates a new one each
			// replay, as the operation does each time it runs.
			s.fresh = c.Failed == "" && (v.ConditionExpression == nil || strings.Contains(*v.ConditionExpression, "attribute_not_exists"))
		case *dynamodb.UpdateItemInput:
			v := *in
			v.ReturnConsumedCapacity = ""
			s.in = &v
		case *dynamodb.DeleteItemInput:
			if in.ConditionExpression != nil && c.Failed == "" {
				return p, fmt.Errorf("%w: a conditional DeleteItem (%s)", ErrNotReplayable, c.Target)
			}
			v := *in
			v.ReturnConsumedCapacity = ""
			s.in = &v
		default:
			return p, fmt.Errorf("%w: %s", ErrNotReplayable, c.API)
		}
		p.steps = append(p.steps, s)
		names = append(names, c.API+" "+c.Target)
	}
	p.Calls = strings.Join(names, "; ")
	return p, nil
}

// Len is the number of calls.
func (p Plan) Len() int { return len(p.steps) }

// Run issues the calls in order on db. n makes the keys of creating puts unique (PK suffixed
// "~raw", SK suffixed with n), so every run does what the operation did: create an item.
func (p Plan) Run(ctx context.Context, db *dynamodb.Client, n int) error {
	for _, s := range p.steps {
		var err error
		switch in := s.in.(type) {
		case *dynamodb.GetItemInput:
			_, err = db.GetItem(ctx, in)
		case *dynamodb.QueryInput:
			_, err = db.Query(ctx, in)
		case *dynamodb.PutItemInput:
			if s.fresh {
				v := *in
				v.Item = freshKey(in.Item, n)
				in = &v
			}
			_, err = db.PutItem(ctx, in)
		case *dynamodb.UpdateItemInput:
			_, err = db.UpdateItem(ctx, in)
		case *dynamodb.DeleteItemInput:
			_, err = db.DeleteItem(ctx, in)
		}
		if err != nil && !(s.failed != "" && isCode(err, s.failed)) {
			return fmt.Errorf("replay %s: %w", s.api, err)
		}
	}
	return nil
}

func freshKey(item map[string]types.AttributeValue, n int) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(item))
	for k, v := range item {
		out[k] = v
	}
	if pk, ok := item["PK"].(*types.AttributeValueMemberS); ok {
		out["PK"] = &types.AttributeValueMemberS{Value: pk.Value + "~raw"}
	}
	if sk, ok := item["SK"].(*types.AttributeValueMemberS); ok {
		out["SK"] = &types.AttributeValueMemberS{Value: sk.Value + "~" + strconv.Itoa(n)}
	}
	return out
}

func isCode(err error, code string) bool {
	var ae interface{ ErrorCode() string }
	return errors.As(err, &ae) && (ae.ErrorCode() == code || ae.ErrorCode()+"Exception" == code || ae.ErrorCode() == strings.TrimSuffix(code, "Exception"))
}
