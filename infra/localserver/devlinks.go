package localserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/store"
)

// expireLinkHandler is POST /_dev/expire-link {"link": "<a magic link or its token>"}: it moves the
// link's expiry a minute into the past, so that a developer (and the e2e suite) can see what an
// expired invitation does without waiting 7 days. The local stack only.
func expireLinkHandler(s *store.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Link string `json:"link"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
			http.Error(w, "send {\"link\": \"…\"}", http.StatusBadRequest)
			return
		}
		token := in.Link
		if i := strings.LastIndex(token, "token="); i >= 0 {
			token = token[i+len("token="):]
		}
		err := s.ExpireLink(r.Context(), ids.Hash(strings.TrimSpace(token)), time.Now().Add(-time.Minute))
		if store.IsNotFound(err) {
			http.Error(w, "no such link", http.StatusNotFound)
			return
		} else if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
