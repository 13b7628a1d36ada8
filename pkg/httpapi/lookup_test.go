package httpapi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/store"
)

// codeTries counts the tries counted against patient codes (an UpdateItem that adds one to a
// CODE# item's attempts and succeeds): each comes with one comparison of a birth date, before it
// (the store's FailCode of old, which counted wrong answers after comparing them) or after it
// (SpendCodeTry, which counts each try before its answer is compared).
type codeTries struct {
	store.DB
	n atomic.Int64
}

func (c *codeTries) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	out, err := c.DB.UpdateItem(ctx, in, o...)
	pk, _ := in.Key["PK"].(*types.AttributeValueMemberS)
	one, _ := in.ExpressionAttributeValues[":one"].(*types.AttributeValueMemberN)
	if err == nil && pk != nil && strings.HasPrefix(pk.Value, "CODE#") && one != nil && one.Value == "1" &&
		strings.Contains(*in.UpdateExpression, "ADD attempts") {
		c.n.Add(1)
	}
	return out, err
}

// patientCodes submits n referrals whose patients get their status codes by email, runs the
// notifier and returns the codes.
func patientCodes(e *env, ref *client, n int) []string {
	e.t.Helper()
	batch := ids.Short("")
	for i := 0; i < n; i++ {
		body := submission("Knee pain")
		body["patient"].(map[string]any)["email"] = fmt.Sprintf("pat%d-%s@patient.example", i, batch)
		if r := ref.do("POST", "/v1/referrals", body, "Idempotency-Key", ids.NewULID(time.Now())); r.status != 201 {
			e.t.Fatalf("submit %d: %d %s", i, r.status, r.raw)
		}
	}
	e.pump()
	codeRE := regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)
	codes := make([]string, n)
	for i := range codes {
		codes[i] = codeRE.FindString(lastMail(e, fmt.Sprintf("pat%d-%s@patient.example", i, batch), "Your referral"))
	}
	return codes
}

// lookup asks for a status from the given peer address (each caller its own, so the per-address
// limit stays out of the way).
func (e *env) lookup(peer, code, dob string) resp {
	return e.client().do("POST", "/v1/status-lookups", map[string]string{"code": code, "dateOfBirth": dob}, peerHeader, peer)
}

// TestLookupLockoutHoldsUnderParallelTries: 20 parallel wrong birth dates compare at most 5, and
// the right one afterwards does not answer. Each try is counted before its answer is compared.
func TestLookupLockoutHoldsUnderParallelTries(t *testing.T) {
	e := newEnv(t)
	counter := &codeTries{DB: e.store.DB}
	e.store.DB = counter
	owner := e.practice("Lockout Clinic", "owner@lockout.example")
	ref, _ := e.referrer(owner, "Lockout FM", "dr@lockout-fm.example")
	const trials = 10
	codes := patientCodes(e, ref, trials)
	var compared []int64
	var answers []int
	for trial, code := range codes {
		counter.n.Store(0)
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := e.lookup(fmt.Sprintf("10.9.%d.%d", trial, i), code, fmt.Sprintf("1981-01-%02d", i+1))
				if r.status == 200 {
					t.Errorf("a wrong birth date answered 200")
				}
			}(i)
		}
		wg.Wait()
		compared = append(compared, counter.n.Load())
		right := e.lookup(fmt.Sprintf("10.8.%d.1", trial), code, "1980-04-02")
		answers = append(answers, right.status)
	}
	t.Logf("%d trials of 20 parallel wrong tries: wrong birth dates compared %v; then the right one answered %v", trials, compared, answers)
	for i := range codes {
		if compared[i] > 5 {
			t.Errorf("trial %d: %d wrong birth dates compared, want at most 5", i, compared[i])
		}
		if answers[i] == 200 {
			t.Errorf("trial %d: the right birth date answered 200 after the lock", i)
		}
	}
}

// TestWrongCodeAndWrongBirthDateTakeTheSameTime: an unknown code and a known code with a wrong
// birth date do the same store work, so their response times do not tell a valid code: medians of
// 50 each, interleaved, within 10%. The machine is shared, so a round that misses is measured again,
// up to 3 rounds (a real difference, like the 2:1 of a lookup that read the referral only for a
// known code, misses every round).
func TestWrongCodeAndWrongBirthDateTakeTheSameTime(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Timing Clinic", "owner@timing.example")
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	randomCode := func() string {
		b := make([]byte, 14)
		for i := range b {
			b[i] = alphabet[rand.IntN(len(alphabet))]
		}
		b[4], b[9] = '-', '-'
		return string(b)
	}
	peer := 0
	timed := func(code string) time.Duration {
		peer++
		start := time.Now()
		r := e.lookup(fmt.Sprintf("10.7.%d.%d", peer/250, peer%250), code, "1981-01-01")
		d := time.Since(start)
		if r.status != 404 {
			t.Fatalf("lookup: %d %s", r.status, r.raw)
		}
		return d
	}
	var rounds []string
	for round := 0; round < 3; round++ {
		ref, _ := e.referrer(owner, fmt.Sprintf("Timing FM %d", round), fmt.Sprintf("dr%d@timing-fm.example", round))
		codes := patientCodes(e, ref, 12) // 5 wrong tries each: 10 for the 50 timed, 2 to warm up
		for i := 0; i < 10; i++ {         // warm up both paths
			timed(randomCode())
			timed(codes[10+i/5])
		}
		var wrongCode, wrongDOB []time.Duration
		for i := 0; i < 50; i++ {
			if i%2 == 0 {
				wrongCode = append(wrongCode, timed(randomCode()))
				wrongDOB = append(wrongDOB, timed(codes[i/5]))
			} else {
				wrongDOB = append(wrongDOB, timed(codes[i/5]))
				wrongCode = append(wrongCode, timed(randomCode()))
			}
		}
		mc, md := median(wrongCode), median(wrongDOB)
		diff := float64(mc-md) / float64(max(mc, md))
		rounds = append(rounds, fmt.Sprintf("wrong code %s, wrong birth date %s (%+.1f%%)",
			mc.Round(10*time.Microsecond), md.Round(10*time.Microsecond), 100*diff))
		if diff <= 0.10 && diff >= -0.10 {
			t.Logf("medians of 50: %s", strings.Join(rounds, "; then "))
			return
		}
	}
	t.Fatalf("medians of 50, 5 rounds, each more than 10%% apart: %s", strings.Join(rounds, "; "))
}
