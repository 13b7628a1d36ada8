package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/referloop/referloop/infra/dynamotest"
)

// TestDataModelDocumentsEveryKey holds docs/data-model.md to pkg/store/keys.go: every item kind
// (a type… constant) has a row in the doc's Items table and every row is such a kind, every row
// says its keys, attributes, TTL and writer, and every word keys.go builds keys from ("DIGEST#",
// "#AUDIT#", "WATERMARK"…) shows in the table's key columns. A new key builder whose prefix the doc
// does not show fails here.
func TestDataModelDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	kinds, words := keysGo(t)
	if len(kinds) < 19 || len(words) < 20 {
		t.Fatalf("read %d item kinds and %d key words from keys.go: is it still where the keys are built?", len(kinds), len(words))
	}
	rows := itemsTable(t)
	documented := map[string]bool{}
	var keyText strings.Builder
	for _, r := range rows {
		for col, v := range r {
			if v == "" {
				t.Errorf("docs/data-model.md, item %q: the %s column is empty", r["item"], col)
			}
		}
		kind := strings.Trim(r["`type`"], "`")
		documented[kind] = true
		if !kinds[kind] {
			t.Errorf("docs/data-model.md lists item kind %q, which keys.go does not define (a type… constant)", kind)
		}
		for _, col := range []string{"PK", "SK", "GSI1"} {
			keyText.WriteString(r[col] + "\n")
		}
	}
	for k := range kinds {
		if !documented[k] {
			t.Errorf("keys.go defines item kind %q, which docs/data-model.md's Items table does not list: add its row (keys, attributes, TTL, writer)", k)
		}
	}
	for w, fn := range words {
		if !strings.Contains(keyText.String(), w) {
			t.Errorf("keys.go's %s builds keys with %q, which docs/data-model.md's Items table does not show: add or fix the item's row", fn, w)
		}
	}
}

// keysGo reads keys.go: the item kinds (constants named type…) and the words key builders put in
// keys (string literals in function bodies that hold a letter, outside calls such as Format), each
// with the function it is in.
func keysGo(t *testing.T) (kinds map[string]bool, words map[string]string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "keys.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds, words = map[string]bool{}, map[string]string{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok != token.CONST {
				continue
			}
			for _, spec := range d.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "type") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						kinds[v] = true
					}
				}
			}
		case *ast.FuncDecl:
			ast.Inspect(d.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					return false // layouts and format verbs, not key words
				case *ast.BasicLit:
					if n.Kind != token.STRING {
						return true
					}
					v, _ := strconv.Unquote(n.Value)
					if strings.IndexFunc(v, unicode.IsLetter) >= 0 {
						words[v] = d.Name.Name
					}
				}
				return true
			})
		}
	}
	return kinds, words
}

// itemsTable reads the rows of docs/data-model.md's "## Items" table, each as column → cell.
func itemsTable(t *testing.T) []map[string]string {
	t.Helper()
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "docs", "data-model.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Items\n")
	if !ok {
		t.Fatal(`docs/data-model.md has no "## Items" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var header []string
	var rows []map[string]string
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := splitRow(line)
		switch {
		case header == nil:
			header = cells
		case strings.Trim(line, "|-: ") == "":
		default:
			if len(cells) != len(header) {
				t.Fatalf("docs/data-model.md: row %q has %d cells, the header %d", line, len(cells), len(header))
			}
			r := map[string]string{}
			for i, c := range cells {
				r[header[i]] = c
			}
			rows = append(rows, r)
		}
	}
	for _, col := range []string{"item", "`type`", "PK", "SK", "GSI1", "attributes", "TTL (`expiresAt`)", "written by"} {
		if !strings.Contains("|"+strings.Join(header, "|")+"|", "|"+col+"|") {
			t.Fatalf("docs/data-model.md's Items table has no %q column (header %q)", col, header)
		}
	}
	return rows
}

// splitRow splits a Markdown table row on the bars that are not escaped (`\|`), unescaping them.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(strings.TrimSuffix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}
