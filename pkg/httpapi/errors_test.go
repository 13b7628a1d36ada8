package httpapi

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// TestProblemFor holds the one mapping from errors to answers: each error value gets one status
// and type, the same whether or not it was wrapped on its way up.
func TestProblemFor(t *testing.T) {
	cases := []struct {
		err    error
		status int
		typ    string
		ext    string
	}{
		{problem.Forbidden("x"), 403, "forbidden", ""},
		{valid.Invalid("note", "is required"), 422, "validation", ""},
		{&referral.IllegalMoveError{From: referral.Closed, To: referral.Seen}, 422, "illegal-transition", "allowed"},
		{referral.ErrNotWaiting, 409, "not-waiting", ""},
		{&referral.ConflictError{Current: 4}, 409, "conflict", "version"},
		{&referral.ConflictError{}, 409, "conflict", ""},
		{store.ErrNotFound, 404, "not-found", ""},
		{store.ErrConflict, 409, "conflict", ""},
		{store.ErrKeyReused, 422, "validation", ""},
		{store.ErrBadCursor, 422, "validation", ""},
		{auth.ErrBadCursor, 422, "validation", ""},
		{store.ErrCodeLocked, 423, "code-locked", ""},
		{context.DeadlineExceeded, 503, "unavailable", ""},
		{fmt.Errorf("%w: AccessDeniedException", auth.ErrKeyUnavailable), 503, "unavailable", ""},
		{errors.New("disk on fire"), 500, "internal", ""},
	}
	for _, c := range cases {
		for _, err := range []error{c.err, fmt.Errorf("wrapped: %w", c.err)} {
			p, known := problemFor(err)
			if p.Status != c.status || p.Type != problem.TypeBase+c.typ || known != (c.status != 500) {
				t.Errorf("%v: %d %s (known %v), want %d %s", err, p.Status, p.Type, known, c.status, c.typ)
			}
			if _, ok := p.Extensions[c.ext]; c.ext != "" && !ok {
				t.Errorf("%v: no %q member", err, c.ext)
			}
		}
	}
	// An illegal move's allowed list is never null: the portal offers what is allowed.
	p, _ := problemFor(&referral.IllegalMoveError{From: referral.Closed, To: referral.Seen})
	if l, ok := p.Extensions["allowed"].([]string); !ok || l == nil {
		t.Fatalf("allowed = %#v", p.Extensions["allowed"])
	}
}
