package lambdaevents_test

import (
	"strings"
	"testing"
)

// The network function's referrals and touches exports (events/network.export-*.json), added to
// the cases table.
func init() {
	for k, v := range exportCases {
		cases[k] = v
	}
}

var exportCases = map[string]want{
	"network.export-referrals": {status: 200, as: owner, check: func(t *testing.T, w *world, r result) {
		if !strings.HasPrefix(header(r.resp, "Content-Type"), "text/csv") ||
			!strings.HasPrefix(r.resp.Body, "Reference,Received,Patient first name") || !strings.Contains(r.resp.Body, "Northside Family Medicine") {
			t.Errorf("export: %s", r.resp.Body)
		}
	}},
	"network.export-touches": {status: 200, as: owner, setup: func(t *testing.T, w *world) { w.putTouch(t, "2026-11-20.01KMZ7Q3V4W5X6Y7Z8A9B0EXPT", "") },
		check: func(t *testing.T, w *world, r result) {
			if !strings.HasPrefix(header(r.resp, "Content-Type"), "text/csv") ||
				!strings.HasPrefix(r.resp.Body, "Date,Partner,Channel") || !strings.Contains(r.resp.Body, "Called the office manager") {
				t.Errorf("export: %s", r.resp.Body)
			}
		}},
}
