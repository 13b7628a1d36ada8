// Package localserver is the local stand-in for API Gateway: one net/http server that mounts each
// function's handler at exactly the routes template.yaml gives it, serves the built portal on the
// same origin, and shows the dev mailbox under /_dev/ (which exists only here, never in a Lambda).
package localserver

import (
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/referloop/referloop/infra/template"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/problem"
)

// Mount registers every API function of the template on mux at its template routes. A function
// of the template with routes but no handler, or a handler route the template lacks, is an error.
func Mount(mux *http.ServeMux, t *template.Template, deps *httpapi.Deps) error {
	for _, f := range t.Functions {
		if len(f.Routes) == 0 {
			continue
		}
		build, ok := httpapi.Builders[f.Name]
		if !ok {
			return fmt.Errorf("template function %s (%s) has no handler in httpapi.Builders", f.LogicalID, f.Dir)
		}
		api := build(deps)
		if err := SameRoutes(api, f); err != nil {
			return err
		}
		h := api.Handler()
		for _, r := range f.Routes {
			mux.Handle(r.Pattern(), h)
		}
	}
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, problem.NotFound("route "+r.Method+" "+r.URL.Path))
	})
	return nil
}

// SameRoutes checks that an API serves exactly the routes the template gives its function.
func SameRoutes(api *httpapi.API, f template.Function) error {
	want := map[string]bool{}
	for _, r := range f.Routes {
		want[r.Pattern()] = true
	}
	have := map[string]bool{}
	for _, r := range api.Routes {
		have[r.Pattern()] = true
		if !want[r.Pattern()] {
			return fmt.Errorf("handler %s serves %s, which template.yaml does not route to %s", api.Name, r.Pattern(), f.LogicalID)
		}
	}
	for p := range want {
		if !have[p] {
			return fmt.Errorf("template.yaml routes %s to %s, whose handler does not serve it", p, f.LogicalID)
		}
	}
	return nil
}

// PortalCSP is the portal's Content-Security-Policy, here and in AWS (template.yaml's
// PortalHeadersPolicy, held to it by infra/stack): its own scripts, styles (and inline style
// attributes), data: icons and API; no plugins, no <base>, forms post only to it, no framing.
const PortalCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Portal serves the built single-page portal from dir: files as they are (hashed assets cached
// for a year), and index.html for any other path so client-side routes load.
func Portal(dir string) http.Handler {
	fs := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err == nil && !st.IsDir() {
			if strings.HasPrefix(p, "/assets/") {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			fs.ServeHTTP(w, r)
			return
		}
		index := filepath.Join(dir, "index.html")
		if _, err := os.Stat(index); err != nil {
			http.Error(w, "the portal is not built: run `make portal`", http.StatusNotFound)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", PortalCSP)
		http.ServeFile(w, r, index)
	})
}
