package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/valid"
)

// searchList names a search's list for its cursor: the term it reads, as a hash.
func searchList(term string) string { return "referrals/search/" + ids.Hash("find:" + term)[:32] }

// searchReferrals answers GET /v1/referrals?q=: the staff queue's search by the patient's name
// (the start of a first or last name), date of birth (MM/DD/YYYY or YYYY-MM-DD) or reference. It
// reads one page of the search index under the search's most telling word (a date, a reference,
// else the longest name) and keeps the referrals that match every word: a page costs its own reads,
// whatever the practice's volume. A page may hold fewer matches than its size (or none) while
// nextCursor says there is more to look through.
func (d *Deps) searchReferrals(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	q := r.URL.Query()
	var f valid.Fields
	text := strings.TrimSpace(q.Get("q"))
	words, ok := referral.ParseSearch(text)
	switch {
	case !practice.IsStaff(c.Role):
		f.Add("q", "is for practice staff; search your own referrals on the page")
	case utf8.RuneCountInString(text) > 100:
		f.Add("q", "must be at most 100 characters")
	case !ok:
		f.Add("q", "needs a name (two letters or more), a date of birth or a reference")
	}
	if q.Get("status") != "" || q.Get("overdue") != "" {
		f.Add("q", "searches every status: send it without status or overdue")
	}
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			f.Add("limit", "must be a whole number from 1 to 100")
		}
		limit = n
	}
	cursor := q.Get("cursor")
	if len(cursor) > maxCursor {
		f.Add("cursor", "is not a cursor this list gave out")
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	best := referral.Best(words)
	list := searchList(best.Term)
	cursor, err := d.openCursor(ctx, c, list, cursor)
	if err != nil {
		return err
	}
	entries, next, err := d.Store.Find(ctx, c.Tenant, best.Term, limit, cursor)
	if err != nil {
		return err
	}
	refs, err := d.Store.FoundReferrals(ctx, c.Tenant, entries)
	if err != nil {
		return err
	}
	out := referralList{Items: []ReferralSummary{}}
	var seen []string
	for _, ref := range refs {
		if referral.Matches(ref, words) {
			out.Items = append(out.Items, d.summary(ref, c))
			seen = append(seen, ref.ID)
		}
	}
	if out.NextCursor, err = d.sealCursor(ctx, c, list, next); err != nil {
		return err
	}
	if len(seen) > 0 {
		if err := d.audit(ctx, r, c, "search", seen...); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
