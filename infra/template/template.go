// Package template reads template.yaml, the single source of truth, for the local stack and the
// tests: the functions with their HTTP routes, and the table definition.
package template

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"
)

// Route is one HttpApi event of a function.
type Route struct {
	Method string
	Path   string
}

// Pattern is the route as a net/http ServeMux pattern ("POST /v1/referrals/{id}"); API Gateway's
// path parameters have the same syntax.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Function is one AWS::Serverless::Function.
type Function struct {
	LogicalID string
	Dir       string // CodeUri without trailing slash, e.g. functions/submit
	Name      string // the folder's base name, e.g. submit
	Routes    []Route
	Events    map[string]string // event name → type (HttpApi, DynamoDB, ScheduleV2…)
}

// Template is the part of template.yaml the local stack needs.
type Template struct {
	Functions []Function
	// TableID is the main table's logical id: the one Globals' TABLE_NAME refers to (or the only
	// table). Tables holds every AWS::DynamoDB::Table by logical id, the main one included.
	TableID string
	Tables  map[string]map[string]any
	// TableEnv maps a Globals environment variable to the table it names (TABLE_NAME → Table,
	// AUDIT_TABLE_NAME → AuditTable).
	TableEnv map[string]string
}

// Find walks up from the working directory to the folder holding template.yaml.
func Find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "template.yaml")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("template.yaml not found above the working directory")
		}
		dir = parent
	}
}

// Load reads a template file.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse reads a template. CloudFormation's short-form tags (!Ref, !GetAtt, !Sub…) become
// {"Ref": …} style maps.
func Parse(b []byte) (*Template, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	doc, ok := toValue(&root).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template.yaml: not a mapping")
	}
	resources, _ := doc["Resources"].(map[string]any)
	t := &Template{Tables: map[string]map[string]any{}, TableEnv: map[string]string{}}
	ids := make([]string, 0, len(resources))
	for id := range resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		res, _ := resources[id].(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		switch res["Type"] {
		case "AWS::DynamoDB::Table":
			t.Tables[id] = props
		case "AWS::Serverless::Function":
			codeURI, _ := props["CodeUri"].(string)
			dir := strings.TrimSuffix(filepath.ToSlash(filepath.Clean(codeURI)), "/")
			f := Function{LogicalID: id, Dir: dir, Name: filepath.Base(dir), Events: map[string]string{}}
			events, _ := props["Events"].(map[string]any)
			for name, e := range events {
				ev, _ := e.(map[string]any)
				typ, _ := ev["Type"].(string)
				f.Events[name] = typ
				if typ != "HttpApi" {
					continue
				}
				ep, _ := ev["Properties"].(map[string]any)
				method, _ := ep["Method"].(string)
				path, _ := ep["Path"].(string)
				if method == "" || path == "" {
					return nil, fmt.Errorf("template.yaml: %s event %s needs Method and Path", id, name)
				}
				f.Routes = append(f.Routes, Route{Method: strings.ToUpper(method), Path: path})
			}
			sort.Slice(f.Routes, func(i, j int) bool { return f.Routes[i].Pattern() < f.Routes[j].Pattern() })
			t.Functions = append(t.Functions, f)
		}
	}
	if len(t.Tables) == 0 {
		return nil, fmt.Errorf("template.yaml: no AWS::DynamoDB::Table")
	}
	env := dig(doc, "Globals", "Function", "Environment")
	variables, _ := env["Variables"].(map[string]any)
	for name, v := range variables {
		if ref, ok := v.(map[string]any); ok {
			if id, ok := ref["Ref"].(string); ok && t.Tables[id] != nil {
				t.TableEnv[name] = id
			}
		}
	}
	switch id, ok := t.TableEnv["TABLE_NAME"]; {
	case ok:
		t.TableID = id
	case len(t.Tables) == 1:
		for id := range t.Tables {
			t.TableID = id
		}
	default:
		return nil, fmt.Errorf("template.yaml: %d tables and no Globals TABLE_NAME: !Ref naming the main one", len(t.Tables))
	}
	return t, nil
}

// ParseRaw reads a whole template as plain values, CloudFormation's short-form tags as their long
// form ({"Ref": …}, {"Fn::GetAtt": "A.B"}, {"Fn::If": […]}…), for tests of what the template
// declares beyond the functions and tables.
func ParseRaw(b []byte) (map[string]any, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	doc, ok := toValue(&root).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template.yaml: not a mapping")
	}
	return doc, nil
}

// LocalName is the name the local stack and the tests give table id beside a main table named
// base: base itself for the main table, base-<id without "Table", lower case> for the others
// (AuditTable → base-audit, what store.New expects its audit table to be called).
func (t *Template) LocalName(id, base string) string {
	if id == t.TableID {
		return base
	}
	return base + "-" + strings.ToLower(strings.TrimSuffix(id, "Table"))
}

// TableIDs lists the template's tables, the main one first, then by logical id.
func (t *Template) TableIDs() []string {
	ids := []string{t.TableID}
	var rest []string
	for id := range t.Tables {
		if id != t.TableID {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	return append(ids, rest...)
}

func dig(m map[string]any, path ...string) map[string]any {
	for _, k := range path {
		m, _ = m[k].(map[string]any)
	}
	return m
}

// Function returns the function whose folder is named name.
func (t *Template) Function(name string) (Function, bool) {
	for _, f := range t.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

func toValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		return toValue(n.Content[0])
	case yaml.AliasNode:
		return toValue(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = toValue(n.Content[i+1])
		}
		return tagged(n, m)
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			s = append(s, toValue(c))
		}
		return tagged(n, s)
	default:
		return tagged(n, n.Value)
	}
}

// tagged wraps a value carrying a CloudFormation short-form tag: !Ref X → {"Ref": X},
// !GetAtt A.B → {"Fn::GetAtt": "A.B"}, !Sub s → {"Fn::Sub": s}.
func tagged(n *yaml.Node, v any) any {
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return v
	}
	name := strings.TrimPrefix(n.Tag, "!")
	if name != "Ref" && name != "Condition" {
		name = "Fn::" + name
	}
	return map[string]any{name: v}
}

// CreateTableInput is the main table resource as a CreateTable request named name: keys, indexes,
// billing and stream as the template declares them. Encryption with the customer-managed key and
// point-in-time recovery exist only in AWS.
func (t *Template) CreateTableInput(name string) (*dynamodb.CreateTableInput, error) {
	return t.TableInput(t.TableID, name)
}

// TableInput is the table resource id as a CreateTable request named name (see CreateTableInput).
func (t *Template) TableInput(id, name string) (*dynamodb.CreateTableInput, error) {
	p, ok := t.Tables[id]
	if !ok {
		return nil, fmt.Errorf("template.yaml: no table %s", id)
	}
	in := &dynamodb.CreateTableInput{TableName: aws.String(name)}
	for _, a := range list(p["AttributeDefinitions"]) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(s(a["AttributeName"])), AttributeType: types.ScalarAttributeType(s(a["AttributeType"]))})
	}
	in.KeySchema = keySchema(p["KeySchema"])
	for _, g := range list(p["GlobalSecondaryIndexes"]) {
		proj, _ := g["Projection"].(map[string]any)
		gsi := types.GlobalSecondaryIndex{IndexName: aws.String(s(g["IndexName"])), KeySchema: keySchema(g["KeySchema"]),
			Projection: &types.Projection{ProjectionType: types.ProjectionType(s(proj["ProjectionType"]))}}
		for _, a := range anyList(proj["NonKeyAttributes"]) {
			gsi.Projection.NonKeyAttributes = append(gsi.Projection.NonKeyAttributes, s(a))
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi)
	}
	in.BillingMode = types.BillingMode(s(p["BillingMode"]))
	if ss, ok := p["StreamSpecification"].(map[string]any); ok {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true),
			StreamViewType: types.StreamViewType(s(ss["StreamViewType"]))}
	}
	if len(in.KeySchema) == 0 || len(in.AttributeDefinitions) == 0 {
		return nil, fmt.Errorf("template.yaml: table %s has no key schema", id)
	}
	return in, nil
}

// TTLAttribute is the main table's time-to-live attribute, or "".
func (t *Template) TTLAttribute() string { return t.TTLAttributeOf(t.TableID) }

// TTLAttributeOf is table id's time-to-live attribute, or "" (the audit table has none).
func (t *Template) TTLAttributeOf(id string) string {
	if spec, ok := t.Tables[id]["TimeToLiveSpecification"].(map[string]any); ok {
		return s(spec["AttributeName"])
	}
	return ""
}

func keySchema(v any) []types.KeySchemaElement {
	var ks []types.KeySchemaElement
	for _, k := range list(v) {
		ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(s(k["AttributeName"])), KeyType: types.KeyType(s(k["KeyType"]))})
	}
	return ks
}

func anyList(v any) []any { l, _ := v.([]any); return l }

func list(v any) []map[string]any {
	var out []map[string]any
	for _, e := range anyList(v) {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func s(v any) string { str, _ := v.(string); return str }
