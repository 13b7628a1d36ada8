package store

import (
	"context"
	"math"
	"math/rand"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/referral"
)

// itemSize is an item's size by DynamoDB's rules (attribute names and values; numbers about one
// byte per two digits).
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return (len(v.Value)+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberM:
		return 3 + len(v.Value) + itemSize(v.Value)
	case *types.AttributeValueMemberL:
		n := 3 + len(v.Value)
		for _, x := range v.Value {
			n += valueSize(x)
		}
		return n
	}
	return 0
}

// millionFacts feeds a bucket a million facts whose times spread over the whole range a sketch
// tracks (log-uniform from a minute to years), received over a month.
func millionFacts(b *metrics.Bucket, rng *rand.Rand) {
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	wide := func() time.Duration {
		return time.Duration(math.Exp(rng.Float64()*math.Log(3*365*24*60))) * time.Minute
	}
	for i := 0; i < 1_000_000; i++ {
		rec := start.Add(time.Duration(rng.Int63n(int64(31 * 24 * time.Hour))))
		f := metrics.Fact{Received: rec, ContactBy: rec.Add(48 * time.Hour), FormMillis: int64(1000 + rng.Intn(24*3600*1000))}
		contact, sched, visit := rec.Add(wide()), rec.Add(wide()), rec.Add(wide())
		f.FirstContact, f.Scheduled, f.Seen, f.Visit = &contact, &sched, &visit, &visit
		if rng.Intn(10) == 0 {
			f.Declined, f.DeclineWhy = &rec, referral.DeclineReasons[rng.Intn(len(referral.DeclineReasons))]
		}
		b.Add(f, start.AddDate(0, 1, 0))
	}
	b.Normalize()
}

// A bucket fed a million facts marshals to a bounded item (under 32 KB): its sketches grow with
// the spread of the values, never with their number.
func TestBucketOfAMillionFactsIsBounded(t *testing.T) {
	var b metrics.Bucket
	millionFacts(&b, rand.New(rand.NewSource(1)))
	item, err := bucketItem("t_0123456789", "month", StoredBucket{Period: "2026-10", Group: "src#p_0123456789", Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	size := itemSize(item)
	t.Logf("a bucket of %d facts: %d B (%d/%d/%d/%d/%d bins)", b.Received, size, b.ToContact.Bins(), b.ToSchedule.Bins(),
		b.ToVisit.Bins(), b.FormSeconds.Bins(), b.Gaps.Bins())
	if b.Received != 1_000_000 || size > 32*1024 {
		t.Fatalf("a bucket of %d facts is %d B, over 32 KB", b.Received, size)
	}
	// Before the sketches a bucket kept every value: 100 times the item of 10,000 facts.
	rng := rand.New(rand.NewSource(1))
	var old legacyBucket
	for i := 0; i < 10_000; i++ {
		m := func() int { return int(math.Exp(rng.Float64() * math.Log(3*365*24*60))) }
		old.ToContact, old.ToSchedule, old.ToVisit = append(old.ToContact, m()), append(old.ToSchedule, m()), append(old.ToVisit, m())
		old.FormSeconds, old.ReceivedAt = append(old.FormSeconds, 1+rng.Intn(86400)), append(old.ReceivedAt, 1790000000+rng.Int63n(31*86400))
	}
	legacy, _ := marshal(old, nil)
	t.Logf("the same bucket as value lists: about %.1f MB (DynamoDB's item limit is 400 KB)", float64(100*itemSize(legacy))/1e6)
	back, err := decodeBucket(item)
	if err != nil || !back.Bucket.Equal(b) {
		t.Fatalf("the item does not read back as the bucket: %v", err)
	}
}

// legacyBucket is a bucket as it was stored before the sketches: every value in a list.
type legacyBucket struct {
	Received    int     `json:"received"`
	Contacted   int     `json:"contacted"`
	Scheduled   int     `json:"scheduled"`
	Seen        int     `json:"seen"`
	ToContact   []int   `json:"toContact,omitempty"`
	ToSchedule  []int   `json:"toSchedule,omitempty"`
	ToVisit     []int   `json:"toVisit,omitempty"`
	FormSeconds []int   `json:"formSeconds,omitempty"`
	ReceivedAt  []int64 `json:"receivedAt,omitempty"`
}

// A bucket written before the sketches (value lists) reads as the sketches of the same values.
func TestLegacyBucketsAreRead(t *testing.T) {
	db, table := dynamotest.NewTable(t)
	s := New(db, table)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(2))
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	var facts []metrics.Fact
	old := legacyBucket{}
	for i := 0; i < 300; i++ {
		rec := start.Add(time.Duration(rng.Int63n(int64(28*24*time.Hour))) / time.Second * time.Second)
		c, sc, v := rec.Add(time.Duration(rng.Intn(9000))*time.Minute), rec.Add(time.Duration(rng.Intn(20000))*time.Minute), rec.Add(time.Duration(rng.Intn(30000))*time.Minute)
		f := metrics.Fact{Source: "p_1", Kind: "provider", Received: rec, ContactBy: rec.Add(time.Hour), FirstContact: &c, Scheduled: &sc,
			Seen: &v, Visit: &v, FormMillis: int64(1000 * (20 + rng.Intn(200)))}
		facts = append(facts, f)
		old.Received, old.Contacted, old.Scheduled, old.Seen = old.Received+1, old.Contacted+1, old.Scheduled+1, old.Seen+1
		m := func(t time.Time) int { return int(math.Round(t.Sub(rec).Minutes())) }
		old.ToContact, old.ToSchedule, old.ToVisit = append(old.ToContact, m(c)), append(old.ToSchedule, m(sc)), append(old.ToVisit, m(v))
		old.FormSeconds = append(old.FormSeconds, int(f.FormMillis/1000))
		old.ReceivedAt = append(old.ReceivedAt, rec.Unix())
	}
	sort.Slice(old.ReceivedAt, func(i, j int) bool { return old.ReceivedAt[i] < old.ReceivedAt[j] })
	item, err := marshal(struct {
		Period string       `json:"period"`
		Group  string       `json:"group"`
		Bucket legacyBucket `json:"bucket"`
	}{"2026-10", "all", old}, map[string]string{attrPK: bucketPK("t_1", "month"), attrSK: bucketSK("2026-10", "all"), attrType: typeBucket})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Buckets(ctx, "t_1", "month", "2026-10", "2026-10", true)
	if err != nil || len(got) != 1 {
		t.Fatalf("%d buckets, %v", len(got), err)
	}
	want := *metrics.Rollup(facts, metrics.Month, time.Time{})["2026-10"]["all"]
	if g := got[0].Bucket; g.Received != 300 || !g.ToContact.Equal(want.ToContact) || !g.ToSchedule.Equal(want.ToSchedule) ||
		!g.ToVisit.Equal(want.ToVisit) || !g.FormSeconds.Equal(want.FormSeconds) || !g.Gaps.Equal(want.Gaps) ||
		g.FirstAt != want.FirstAt || g.LastAt != want.LastAt {
		t.Fatalf("the legacy bucket reads as %+v, want the sketches of its values", g)
	}
	// Rewritten, it is the new form and reads the same.
	if err := s.PutBuckets(ctx, "t_1", "month", got); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Buckets(ctx, "t_1", "month", "2026-10", "2026-10", true)
	if len(again) != 1 || !again[0].Bucket.Equal(got[0].Bucket) {
		t.Fatal("rewritten, the bucket reads differently")
	}
}

// A view stores an answer as columns and reads it back as it was.
func TestAnswerColumnsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var facts []metrics.Fact
	for i := 0; i < 2000; i++ {
		rec := start.Add(time.Duration(rng.Int63n(int64(300 * 24 * time.Hour))))
		f := metrics.Fact{Source: []string{"p_a", "p_b", "p_c"}[rng.Intn(3)], Kind: "provider", Received: rec, ContactBy: rec.Add(48 * time.Hour)}
		if rng.Intn(3) > 0 {
			c := rec.Add(time.Duration(rng.Intn(5000)) * time.Minute)
			f.FirstContact = &c
		} else {
			f.Status = referral.Received // waiting: overdue once its contact-by passed
		}
		if rng.Intn(5) == 0 {
			f.Declined, f.DeclineWhy = &rec, "no-capacity"
		}
		facts = append(facts, f)
	}
	for _, gb := range []string{"week", "source"} {
		period := metrics.Week
		if gb == "source" {
			period = metrics.Month
		}
		var cells []metrics.Cell
		for p, groups := range metrics.Rollup(facts, period, start.AddDate(0, 0, 200)) {
			for g, b := range groups {
				cells = append(cells, metrics.Cell{Period: p, Group: g, Bucket: *b})
			}
		}
		sort.Slice(cells, func(i, j int) bool { return cells[i].Period < cells[j].Period })
		a := metrics.AnswerOf(cells, gb)
		a.Rows = append(a.Rows, metrics.Row{Key: "empty", Summary: metrics.Summarize(metrics.Bucket{})})
		data, err := packJSON(packAnswer(a))
		if err != nil {
			t.Fatal(err)
		}
		var c answerColumns
		if err := unpackJSON(data, &c); err != nil {
			t.Fatal(err)
		}
		if got := c.answer(); !reflect.DeepEqual(got, a) {
			t.Fatalf("%s: read back\n%+v\nwant\n%+v", gb, got, a)
		}
		if a.Total.Due == 0 || a.Total.Overdue == 0 {
			t.Fatalf("%s: due %d, overdue %d: the columns carry nothing to compare", gb, a.Total.Due, a.Total.Overdue)
		}
		t.Logf("%s: %d rows in %d B", gb, len(a.Rows), len(data))
	}
}
