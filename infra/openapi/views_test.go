package openapi_test

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/referloop/referloop/pkg/httpapi"
)

// jsonFields lists the JSON member names of a struct type, embedded structs flattened.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// derived are summary members the API computes from projected attributes, never stored.
var derived = map[string]string{"ref": "the id's ULID", "fhirStatus": "status", "overdue": "status and contactBy",
	"allowed": "status and contactAttempts"}

// internal are attributes the queue index projects for the store itself (the item's type and the
// parts of its key the domain referral is rebuilt from), never shown.
var internal = map[string]bool{"type": true, "tid": true, "rid": true, "ulid": true}

// TestSummaryIsWhatTheQueueIndexProjects holds httpapi.ReferralSummary to GSI1's projection in
// template.yaml: a staff list reads the index alone, so a summary field the index does not project
// would come back empty, and a projected attribute no summary shows is write cost for nothing.
func TestSummaryIsWhatTheQueueIndexProjects(t *testing.T) {
	_, tpl := load(t)
	in, err := tpl.CreateTableInput("x")
	if err != nil {
		t.Fatal(err)
	}
	projected := map[string]bool{}
	for _, g := range in.GlobalSecondaryIndexes {
		if *g.IndexName == "GSI1" {
			if g.Projection.ProjectionType != "INCLUDE" {
				t.Fatalf("GSI1 projects %s, want INCLUDE", g.Projection.ProjectionType)
			}
			for _, a := range g.Projection.NonKeyAttributes {
				projected[a] = true
			}
		}
	}
	if len(projected) == 0 {
		t.Fatal("no GSI1 projection in template.yaml")
	}
	shown := map[string]bool{}
	for _, f := range jsonFields(reflect.TypeOf(httpapi.ReferralSummary{})) {
		shown[f] = true
		if _, ok := derived[f]; !ok && !projected[f] {
			t.Errorf("ReferralSummary.%s is not projected by GSI1: staff lists would show it empty", f)
		}
	}
	for a := range projected {
		if !shown[a] && !internal[a] {
			t.Errorf("GSI1 projects %q, which no summary shows", a)
		}
	}
}
