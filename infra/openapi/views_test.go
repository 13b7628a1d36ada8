package openapi_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/referral"
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

// schema returns components.schemas[name] of the document.
func (d *doc) schema(t *testing.T, name string) map[string]any {
	t.Helper()
	comps, _ := d.root["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	s, ok := schemas[name].(map[string]any)
	if !ok {
		t.Fatalf("docs/openapi.yaml has no schema %s", name)
	}
	return s
}

// properties lists a schema's property names, through allOf and $ref.
func (d *doc) properties(t *testing.T, s map[string]any) []string {
	t.Helper()
	var out []string
	if ref, ok := s["$ref"].(string); ok {
		return d.properties(t, d.schema(t, strings.TrimPrefix(ref, "#/components/schemas/")))
	}
	for _, part := range asList(s["allOf"]) {
		m, _ := part.(map[string]any)
		out = append(out, d.properties(t, m)...)
	}
	props, _ := s["properties"].(map[string]any)
	for p := range props {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

func enum(t *testing.T, s map[string]any) []string {
	var out []string
	for _, v := range asList(s["enum"]) {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// TestViewsMatchTheDocument holds the API's view types and the lifecycle table to the OpenAPI
// document the portal's types are generated from: a field or status added on one side only fails.
func TestViewsMatchTheDocument(t *testing.T) {
	d, _ := load(t)
	for _, c := range []struct {
		schema string
		typ    reflect.Type
	}{
		{"ReferralSummary", reflect.TypeOf(httpapi.ReferralSummary{})},
		{"Referral", reflect.TypeOf(httpapi.ReferralView{})},
		{"LinkPreview", reflect.TypeOf(httpapi.LinkPreview{})},
		{"Member", reflect.TypeOf(httpapi.MemberView{})},
		{"Referrer", reflect.TypeOf(httpapi.ReferrerView{})},
		{"Partner", reflect.TypeOf(partner.Partner{})},
		{"Onboarding", reflect.TypeOf(httpapi.OnboardingView{})},
	} {
		got, want := d.properties(t, d.schema(t, c.schema)), jsonFields(c.typ)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("schema %s has %v; %s sends %v", c.schema, got, c.typ.Name(), want)
		}
	}
	if got, want := enum(t, d.schema(t, "ReferralStatus")), referral.Strings(referral.Statuses()); !reflect.DeepEqual(got, want) {
		t.Errorf("ReferralStatus enum %v, lifecycle table %v (same order)", got, want)
	}
	if got, want := enum(t, d.schema(t, "PartnerKind")), partner.Kinds; !reflect.DeepEqual(got, want) {
		t.Errorf("PartnerKind enum %v, partner.Kinds %v", got, want)
	}
	fhir := map[string]bool{}
	for _, v := range enum(t, d.schema(t, "FHIRTaskStatus")) {
		fhir[v] = true
	}
	for _, s := range referral.Statuses() {
		if !fhir[s.FHIR()] {
			t.Errorf("%s maps to FHIR %q, which the document's FHIRTaskStatus does not list", s, s.FHIR())
		}
	}
}
