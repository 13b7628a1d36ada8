// Package policy reads the IAM statements template.yaml gives each function and decides, as IAM
// would for the elements and condition operators the template uses, whether one DynamoDB request is
// allowed: an explicit Deny wins, else some Allow must match its action, resource and every
// condition. It lets the tests hold the template to what the code does: infra/lambdaevents checks
// every DynamoDB call a function makes while it handles the events of events/ against that
// function's statements. A condition this package does not know makes the decision fail loudly
// rather than guess.
package policy

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Statement is one statement of a function's Policies, with CloudFormation references kept
// symbolic: !GetAtt Table.Arn is "arn:Table", !Sub "${Table.Arn}/index/GSI1" is "arn:Table/index/GSI1",
// and other !Sub strings stay as written.
type Statement struct {
	Effect                  string
	Actions, NotActions     []string
	Resources, NotResources []string
	Conditions              []Condition
	Line                    int // in template.yaml
}

// Condition is one operator, key and its values (ForAllValues:StringLike dynamodb:LeadingKeys …).
type Condition struct {
	Op, Key string
	Values  []string
}

// Template is template.yaml's functions' statements by logical id, and its tables.
type Template struct {
	Functions map[string][]Statement
	// Tables are the logical ids of the AWS::DynamoDB::Table resources.
	Tables map[string]bool
}

// Load reads template.yaml.
func Load(file string) (*Template, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse reads a template.
func Parse(b []byte) (*Template, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("template.yaml: empty")
	}
	t := &Template{Functions: map[string][]Statement{}, Tables: map[string]bool{}}
	resources := get(root.Content[0], "Resources")
	if resources == nil {
		return nil, fmt.Errorf("template.yaml: no Resources")
	}
	for i := 0; i+1 < len(resources.Content); i += 2 {
		id, res := resources.Content[i].Value, resources.Content[i+1]
		switch scalar(get(res, "Type")) {
		case "AWS::DynamoDB::Table":
			t.Tables[id] = true
		case "AWS::Serverless::Function":
			policies := get(get(res, "Properties"), "Policies")
			if policies == nil {
				t.Functions[id] = nil
				continue
			}
			for _, p := range policies.Content {
				stmts := get(p, "Statement")
				if stmts == nil {
					return nil, fmt.Errorf("template.yaml:%d: %s has a policy that is not an inline statement list", p.Line, id)
				}
				for _, sn := range stmts.Content {
					s, err := statement(sn)
					if err != nil {
						return nil, fmt.Errorf("template.yaml:%d: %s: %w", sn.Line, id, err)
					}
					t.Functions[id] = append(t.Functions[id], s)
				}
			}
		}
	}
	return t, nil
}

func statement(n *yaml.Node) (Statement, error) {
	s := Statement{Effect: scalar(get(n, "Effect")), Line: n.Line}
	if s.Effect != "Allow" && s.Effect != "Deny" {
		return s, fmt.Errorf("statement with Effect %q", s.Effect)
	}
	s.Actions, s.NotActions = values(get(n, "Action")), values(get(n, "NotAction"))
	s.Resources, s.NotResources = values(get(n, "Resource")), values(get(n, "NotResource"))
	if c := get(n, "Condition"); c != nil {
		for i := 0; i+1 < len(c.Content); i += 2 {
			op, keys := c.Content[i].Value, c.Content[i+1]
			for j := 0; j+1 < len(keys.Content); j += 2 {
				s.Conditions = append(s.Conditions, Condition{Op: op, Key: keys.Content[j].Value, Values: values(keys.Content[j+1])})
			}
		}
	}
	return s, nil
}

// get is the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// values reads a scalar or a list of them, each resolved by Value.
func values(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.SequenceNode && n.Tag != "!Sub" {
		var out []string
		for _, c := range n.Content {
			out = append(out, Value(c))
		}
		return out
	}
	return []string{Value(n)}
}

// Value is a policy value with CloudFormation's functions kept symbolic: !GetAtt X.Arn is "arn:X",
// ${X.Arn} inside a !Sub is "arn:X", !Ref X is "ref:X", and the variables of a two-argument !Sub
// are named ${Name}. Other scalars are what they say.
func Value(n *yaml.Node) string {
	switch {
	case n.Tag == "!GetAtt" && n.Kind == yaml.ScalarNode:
		if id, ok := strings.CutSuffix(n.Value, ".Arn"); ok {
			return "arn:" + id
		}
		return "getatt:" + n.Value
	case n.Tag == "!Ref":
		return "ref:" + n.Value
	case n.Tag == "!Sub" && n.Kind == yaml.ScalarNode:
		return sub(n.Value)
	case n.Tag == "!Sub" && n.Kind == yaml.SequenceNode && len(n.Content) > 0:
		return sub(n.Content[0].Value)
	}
	return n.Value
}

// sub replaces ${X.Arn} with arn:X in a !Sub string and keeps every other ${…} as written.
func sub(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		name := s[i+2 : i+j]
		b.WriteString(s[:i])
		if id, ok := strings.CutSuffix(name, ".Arn"); ok && !strings.Contains(id, "::") {
			b.WriteString("arn:" + id)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

// Request is one DynamoDB request as IAM sees it: the action (an item action of a transaction is
// its own action), the resource (a table or its index) and the condition keys DynamoDB sets.
type Request struct {
	Action string // dynamodb:GetItem
	Table  string // the table's logical id
	Index  string // "" for the table itself
	// LeadingKeys are the partition key values the request touches (dynamodb:LeadingKeys).
	LeadingKeys []string
	// Attributes are the attribute names the request writes or names in its expressions, keys
	// included (dynamodb:Attributes); nil when the request names none (a GetItem of the whole item).
	Attributes []string
	// ReturnValues is the request's ReturnValues, "" when it sets none (dynamodb:ReturnValues).
	ReturnValues string
}

// Resource is the request's resource as the template writes it: arn:Table or arn:Table/index/GSI1.
func (r Request) Resource() string {
	if r.Index != "" {
		return "arn:" + r.Table + "/index/" + r.Index
	}
	return "arn:" + r.Table
}

func (r Request) String() string {
	s := r.Action + " on " + r.Resource() + " keys " + strings.Join(r.LeadingKeys, ",")
	if r.Attributes != nil {
		s += " attributes " + strings.Join(r.Attributes, ",")
	}
	if r.ReturnValues != "" {
		s += " returning " + r.ReturnValues
	}
	return s
}

// Allowed decides r against stmts: false with the reason when no Allow matches or a Deny does. An
// error is a statement this package cannot evaluate for r (an unknown condition).
func Allowed(stmts []Statement, r Request) (bool, string, error) {
	allowed := false
	for _, s := range stmts {
		ok, err := s.Matches(r)
		if err != nil {
			return false, "", fmt.Errorf("template.yaml:%d: %w", s.Line, err)
		}
		if !ok {
			continue
		}
		if s.Effect == "Deny" {
			return false, fmt.Sprintf("denied by the statement at template.yaml:%d", s.Line), nil
		}
		allowed = true
	}
	if !allowed {
		return false, "no Allow statement matches", nil
	}
	return true, "", nil
}

// Matches reports whether the statement applies to r: action, resource and every condition.
func (s Statement) Matches(r Request) (bool, error) {
	if !in(s.Actions, s.NotActions, r.Action, true) || !in(s.Resources, s.NotResources, r.Resource(), false) {
		return false, nil
	}
	for _, c := range s.Conditions {
		ok, err := c.holds(r)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// in reports whether v is among list (Action, Resource) or, when the statement has the Not form,
// not among notList.
func in(list, notList []string, v string, fold bool) bool {
	switch {
	case list != nil:
		return matchAny(list, v, fold)
	case notList != nil:
		return !matchAny(notList, v, fold)
	}
	return false
}

func (c Condition) holds(r Request) (bool, error) {
	switch c.Op + " " + c.Key {
	case "ForAllValues:StringLike dynamodb:LeadingKeys":
		for _, k := range r.LeadingKeys {
			if !matchAny(c.Values, k, false) {
				return false, nil
			}
		}
		return true, nil
	case "ForAllValues:StringEquals dynamodb:Attributes":
		for _, a := range r.Attributes {
			if !contains(c.Values, a) {
				return false, nil
			}
		}
		return true, nil
	case "StringEqualsIfExists dynamodb:ReturnValues":
		return r.ReturnValues == "" || contains(c.Values, r.ReturnValues), nil
	}
	return false, fmt.Errorf("condition %s %s: the policy package cannot evaluate it for %s", c.Op, c.Key, r.Action)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func matchAny(patterns []string, v string, fold bool) bool {
	for _, p := range patterns {
		if Like(p, v, fold) {
			return true
		}
	}
	return false
}

// Like is IAM's StringLike: * matches any run of characters, ? exactly one; fold compares case
// insensitively (actions).
func Like(pattern, v string, fold bool) bool {
	if fold {
		pattern, v = strings.ToLower(pattern), strings.ToLower(v)
	}
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(v); i >= 0; i-- {
				if Like(pattern[1:], v[i:], false) {
					return true
				}
			}
			return false
		case '?':
			if v == "" {
				return false
			}
			_, size := utf8.DecodeRuneInString(v)
			pattern, v = pattern[1:], v[size:]
		default:
			if v == "" || v[0] != pattern[0] {
				return false
			}
			pattern, v = pattern[1:], v[1:]
		}
	}
	return v == ""
}

// Grant is one (action, resource, leading-key pattern) an Allow statement gives: the unit the tests
// compare with what a function is meant to reach.
type Grant struct {
	Action, Resource, Key string
}

func (g Grant) String() string { return g.Action + " " + g.Resource + " " + g.Key }

// DynamoDBGrants lists what stmts allow on DynamoDB tables and indexes, one Grant per action,
// resource and dynamodb:LeadingKeys pattern, sorted; a statement without LeadingKeys gives the key
// "*" (every item).
func DynamoDBGrants(stmts []Statement) []Grant {
	seen := map[Grant]bool{}
	for _, s := range stmts {
		if s.Effect != "Allow" {
			continue
		}
		keys := []string{"*"}
		for _, c := range s.Conditions {
			if c.Key == "dynamodb:LeadingKeys" {
				keys = c.Values
			}
		}
		for _, a := range s.Actions {
			if !strings.HasPrefix(strings.ToLower(a), "dynamodb:") && a != "*" {
				continue
			}
			for _, res := range s.Resources {
				for _, k := range keys {
					seen[Grant{a, res, k}] = true
				}
			}
		}
	}
	out := make([]Grant, 0, len(seen))
	for g := range seen {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}
