package notifier

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/pkg/referral"
)

// TestDecode reads the recorded stream batch (events/notifier.stream-batch.json): a new referral,
// its move to accepted, and an item that is no referral.
func TestDecode(t *testing.T) {
	raw, err := os.ReadFile("../../events/notifier.stream-batch.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	created, err := decode(ev.Records[0])
	if err != nil || created == nil || !created.created() || created.moved() || created.event != ev.Records[0].EventID || created.streamed.IsZero() {
		t.Fatalf("the INSERT: %+v %v", created, err)
	}
	moved, err := decode(ev.Records[1])
	if err != nil || moved == nil || moved.created() || !moved.moved() || moved.before.Status != referral.Received || moved.after.Status != referral.Accepted {
		t.Fatalf("the MODIFY: %+v %v", moved, err)
	}
	if c, err := decode(ev.Records[2]); c != nil || err != nil {
		t.Fatalf("not a referral: %+v %v", c, err)
	}
	removed := ev.Records[1]
	removed.EventName = string(events.DynamoDBOperationTypeRemove)
	if c, err := decode(removed); c != nil || err != nil {
		t.Fatalf("a removal: %+v %v", c, err)
	}
	// A change whose old image cannot be read cannot be told from a new referral: it is parked,
	// not taken for one (which would send the acknowledgements again).
	bad := ev.Records[1]
	bad.Change.OldImage = map[string]events.DynamoDBAttributeValue{"type": events.NewStringAttribute("referral"),
		"createdAt": events.NewStringAttribute("23/11/2026 15:04")}
	if c, err := decode(bad); !errors.Is(err, errPoison) {
		t.Fatalf("an unreadable old image: %+v %v", c, err)
	}
}
