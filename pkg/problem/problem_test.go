package problem

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/referloop/referloop/pkg/valid"
)

func TestWrite(t *testing.T) {
	cases := []struct {
		name string
		p    *Problem
		want map[string]any
	}{
		{"plain", NotFound("the referral"), map[string]any{"type": TypeBase + "not-found", "title": "Not found", "status": 404.0, "detail": "the referral was not found"}},
		{"fields", Validation(valid.Errors{{Field: "a", Detail: "is required"}}), map[string]any{"type": TypeBase + "validation",
			"title": "Some fields need attention", "status": 422.0, "detail": "1 field needs attention",
			"errors": []any{map[string]any{"field": "a", "detail": "is required"}}}},
		{"extensions", &Problem{Type: "t", Title: "x", Status: 409, Extensions: map[string]any{"allowed": []string{}, "version": 4}},
			map[string]any{"type": "t", "title": "x", "status": 409.0, "allowed": []any{}, "version": 4.0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			Write(w, c.p)
			var got map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if w.Code != c.p.Status || w.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d type %s", w.Code, w.Header().Get("Content-Type"))
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(c.want)
			if string(gb) != string(wb) {
				t.Fatalf("got %s\nwant %s", gb, wb)
			}
		})
	}
}
