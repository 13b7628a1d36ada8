// Package openapi_test holds docs/openapi.yaml to template.yaml: the document describes exactly the
// HttpApi routes the template deploys, every operation is named and has a success answer, and every
// $ref points inside the document.
package openapi_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/referloop/referloop/infra/template"
)

// methods are the operation keys of an OpenAPI path item.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

type doc struct {
	root map[string]any
	path string
}

func load(t *testing.T) (*doc, *template.Template) {
	t.Helper()
	tplPath, err := template.Find()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Load(tplPath)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(filepath.Dir(tplPath), "docs", "openapi.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := yaml.Unmarshal(b, &root); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	return &doc{root: root, path: p}, tpl
}

// operation is one (method, path) of the document.
type operation struct {
	method, path string
	op           map[string]any
	item         map[string]any
}

func (o operation) key() string { return strings.ToUpper(o.method) + " " + o.path }

func (d *doc) operations(t *testing.T) []operation {
	t.Helper()
	paths, ok := d.root["paths"].(map[string]any)
	if !ok {
		t.Fatalf("docs/openapi.yaml has no paths")
	}
	var ops []operation
	for p, v := range paths {
		item, ok := v.(map[string]any)
		if !ok {
			t.Errorf("paths[%q] is not a path item", p)
			continue
		}
		for _, m := range methods {
			if op, ok := item[m]; ok {
				opm, ok := op.(map[string]any)
				if !ok {
					t.Errorf("%s %s is not an operation object", strings.ToUpper(m), p)
					continue
				}
				ops = append(ops, operation{method: m, path: p, op: opm, item: item})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].key() < ops[j].key() })
	return ops
}

func TestVersion(t *testing.T) {
	d, _ := load(t)
	v := fmt.Sprint(d.root["openapi"])
	if !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(v) {
		t.Errorf("openapi: %q, want 3.1.x", v)
	}
	if info, _ := d.root["info"].(map[string]any); info["title"] == nil || info["version"] == nil {
		t.Errorf("info needs a title and a version")
	}
}

// TestRoutesMatchTemplate: the document's operations are exactly template.yaml's HttpApi routes.
func TestRoutesMatchTemplate(t *testing.T) {
	d, tpl := load(t)
	inTemplate := map[string]string{} // route → function logical id
	for _, f := range tpl.Functions {
		for _, r := range f.Routes {
			inTemplate[r.Pattern()] = f.LogicalID
		}
	}
	inDoc := map[string]bool{}
	for _, o := range d.operations(t) {
		inDoc[o.key()] = true
	}
	var undocumented, unrouted []string
	for r, fn := range inTemplate {
		if !inDoc[r] {
			undocumented = append(undocumented, r+" ("+fn+")")
		}
	}
	for r := range inDoc {
		if _, ok := inTemplate[r]; !ok {
			unrouted = append(unrouted, r)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unrouted)
	if len(undocumented) > 0 {
		t.Errorf("template.yaml routes these, docs/openapi.yaml does not document them:\n  %s", strings.Join(undocumented, "\n  "))
	}
	if len(unrouted) > 0 {
		t.Errorf("docs/openapi.yaml documents these, template.yaml has no HttpApi event for them:\n  %s", strings.Join(unrouted, "\n  "))
	}
}

// TestOperations: every operation has a unique operationId, a 2xx answer, declares its path
// parameters, and describes every response.
func TestOperations(t *testing.T) {
	d, _ := load(t)
	ids := map[string]string{}
	for _, o := range d.operations(t) {
		id, _ := o.op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", o.key())
		} else if prev, dup := ids[id]; dup {
			t.Errorf("operationId %q is used by %s and %s", id, prev, o.key())
		} else {
			ids[id] = o.key()
		}
		responses, _ := o.op["responses"].(map[string]any)
		ok2xx := false
		for code, r := range responses {
			if code == "2XX" || (len(code) == 3 && code[0] == '2') {
				ok2xx = true
			}
			if n, err := strconv.Atoi(code); code != "default" && !strings.HasSuffix(code, "XX") && (err != nil || n < 100 || n > 599) {
				t.Errorf("%s: response key %q is not a status code", o.key(), code)
			}
			rm, _ := d.deref(r).(map[string]any)
			if s, _ := rm["description"].(string); s == "" {
				t.Errorf("%s: response %s has no description", o.key(), code)
			}
		}
		if !ok2xx {
			t.Errorf("%s has no 2xx response", o.key())
		}
		// Every {param} of the path is a required path parameter of the operation or its path item.
		declared := map[string]bool{}
		for _, src := range []map[string]any{o.item, o.op} {
			params, _ := src["parameters"].([]any)
			for _, p := range params {
				pm, _ := d.deref(p).(map[string]any)
				if pm["in"] == "path" {
					if pm["required"] != true {
						t.Errorf("%s: path parameter %v is not required: true", o.key(), pm["name"])
					}
					declared[fmt.Sprint(pm["name"])] = true
				}
			}
		}
		inPath := map[string]bool{}
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(o.path, -1) {
			inPath[m[1]] = true
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared", o.key(), m[1])
			}
		}
		for name := range declared {
			if !inPath[name] {
				t.Errorf("%s: declares path parameter %q that the path lacks", o.key(), name)
			}
		}
	}
}

// TestProblemAnswers: every 4xx answer is application/problem+json with the Problem schema.
func TestProblemAnswers(t *testing.T) {
	d, _ := load(t)
	for _, o := range d.operations(t) {
		responses, _ := o.op["responses"].(map[string]any)
		for code, r := range responses {
			if !strings.HasPrefix(code, "4") {
				continue
			}
			rm, _ := d.deref(r).(map[string]any)
			content, _ := rm["content"].(map[string]any)
			mt, _ := content["application/problem+json"].(map[string]any)
			if mt == nil || len(content) != 1 {
				t.Errorf("%s %s: want only application/problem+json content", o.key(), code)
				continue
			}
			if s, _ := mt["schema"].(map[string]any); s["$ref"] != "#/components/schemas/Problem" {
				t.Errorf("%s %s: schema %v, want the Problem schema", o.key(), code, mt["schema"])
			}
		}
	}
}

// TestRefsResolve: every $ref is a JSON pointer into this document that resolves.
func TestRefsResolve(t *testing.T) {
	d, _ := load(t)
	n := 0
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"]; ok {
				n++
				s, _ := ref.(string)
				if _, err := d.resolve(s); err != nil {
					t.Errorf("%s: $ref %q: %v", at, s, err)
				}
			}
			for k, c := range x {
				walk(c, at+"/"+k)
			}
		case []any:
			for i, c := range x {
				walk(c, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(d.root, "#")
	if n == 0 {
		t.Errorf("no $ref at all: the components are not used")
	}
}

// resolve follows a local JSON pointer (#/components/schemas/Problem).
func (d *doc) resolve(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("not a pointer inside this file")
	}
	var cur any = d.root
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("no %q", tok)
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("no index %q", tok)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("%q is inside a scalar", tok)
		}
	}
	return cur, nil
}

// deref follows $ref chains (unresolvable ones are TestRefsResolve's to report).
func (d *doc) deref(v any) any {
	for i := 0; i < 10; i++ {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		next, err := d.resolve(ref)
		if err != nil {
			return v
		}
		v = next
	}
	return v
}
