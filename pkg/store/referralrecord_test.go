package store

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/referral"
)

// TestReferralRecordKeepsTheTablesNames: the record's attribute names are the table's contract
// (stored data, GSI1's projection, the stream consumer), and a round trip keeps every field.
func TestReferralRecordKeepsTheTablesNames(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	r := referral.Referral{ID: "p_1.r_1.01JDAQ7ZQ8W3Y2B6N1K5T0RMXV", Status: referral.NeedsInfo, Urgency: referral.Soon,
		Reason: "Knee", Patient: referral.Patient{FirstName: "Ana", LastName: "Silva", DateOfBirth: "1980-04-02", ConsentToContact: true},
		Note: "n", Insurance: "Aetna", Referrer: referral.Person{Name: "Dr. C", Email: "c@x.example"},
		Partner: referral.PartnerRef{ID: "p_1", Name: "North"}, CreatedAt: at, UpdatedAt: at, ContactBy: at.Add(time.Hour),
		Version: 3, FormMillis: 42, ContactAttempts: 1, Appointment: &referral.Appointment{At: at, Location: "Room 2"},
		Decline: &referral.Decline{Reason: "other", Note: "x"}, Question: "Which knee?", HeldFrom: referral.Accepted,
		Rating: &referral.Rating{Score: 5, At: at}, Timeline: []referral.Event{{At: at, To: referral.Received}},
		LastActor: &referral.ActorAt{ID: "c@x.example", Action: "create"}, TenantID: "t_1", ReferrerID: "r_1",
		ULID: "01JDAQ7ZQ8W3Y2B6N1K5T0RMXV", BodyHash: "h"}
	item, err := referralItem(r)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range item {
		names = append(names, k)
	}
	sort.Strings(names)
	want := []string{"GSI1PK", "GSI1SK", "PK", "SK", "appointment", "bodyHash", "contactAttempts", "contactBy", "createdAt",
		"decline", "formMillis", "heldFrom", "id", "insurance", "lastActor", "note", "partner", "patient", "question",
		"rating", "reason", "referrer", "rid", "status", "tid", "timeline", "type", "ulid", "updatedAt", "urgency", "version"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("attributes %v\nwant %v", names, want)
	}
	back, err := DecodeReferral(item)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("round trip:\n%+v\nwant\n%+v", back, r)
	}
}
