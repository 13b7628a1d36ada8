package practice

import (
	"errors"
	"testing"

	"github.com/referloop/referloop/pkg/valid"
)

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Lakeside Physical Therapy":    "lakeside-physical-therapy",
		"  Dr. Émile's  Clinic & Co. ": "dr-emile-s-clinic-co",
		"北京":                           "",
		"123 Main St. PT":              "123-main-st-pt",
		// cut at a word, never mid-word, within 48 characters
		"Lakeside Physical Therapy and Sports Rehabilitation Center":  "lakeside-physical-therapy-and-sports",
		"Supercalifragilisticexpialidociousandevenlongerwordthanthat": "supercalifragilisticexpialidociousandevenlongerw",
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProfileValidate(t *testing.T) {
	ok := Profile{Name: "Lakeside", Conditions: []string{"Back pain", " back pain ", ""}, ContactByHours: DefaultContactBy,
		IntakeContact: Contact{Email: "intake@lakeside.example", Phone: "+1 (555) 010-0100"}}
	ok.Normalize()
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(ok.Conditions) != 1 {
		t.Fatalf("conditions not deduplicated: %v", ok.Conditions)
	}
	bad := Profile{Name: "", ContactByHours: ContactBy{Default: 24, Urgent: 48},
		IntakeContact: Contact{Email: "x@", Phone: "call me"}}
	var p struct{ Errors valid.Errors }
	if err := bad.Validate(); !errors.As(err, &p.Errors) {
		t.Fatalf("want a problem, got %v", err)
	}
	want := []string{"contactByHours.urgent", "intakeContact.email", "intakeContact.phone", "name"}
	if len(p.Errors) != len(want) {
		t.Fatalf("errors %+v, want %v", p.Errors, want)
	}
	for i, f := range want {
		if p.Errors[i].Field != f {
			t.Errorf("error %d on %s, want %s", i, p.Errors[i].Field, f)
		}
	}
}
