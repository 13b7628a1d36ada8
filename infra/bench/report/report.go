// Package report keeps the figures of each benchmark part (bin/bench/<part>.json) and assembles
// docs/benchmarks.md from all of them, so one part can be run again alone and only its rows change.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Row is one figure: its value, the floor measured in the same run, and the budget if it has one.
type Row struct {
	Figure string  `json:"figure"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Floor  float64 `json:"floor"`
	// FloorIs says what the floor is ("a bare aws-lambda-go hello, same build").
	FloorIs string `json:"floorIs"`
	// Ratio is Value/Floor; NaN when the floor is 0 (then Diff is shown).
	Ratio float64 `json:"ratio"`
	// Budget is the budget in words ("≤ floor + 1 ms"), "" when there is none.
	Budget string `json:"budget,omitempty"`
	// Met is nil without a budget.
	Met *bool  `json:"met,omitempty"`
	How string `json:"how"`
	// Note says why a budget is missed, or what to keep in mind.
	Note string `json:"note,omitempty"`
	// Decimals for Value and Floor; -1 chooses by size.
	Decimals int `json:"decimals"`
}

// MarshalJSON writes NaN ratios as null.
func (r Row) MarshalJSON() ([]byte, error) {
	type plain Row
	out := struct {
		plain
		Ratio *float64 `json:"ratio"`
	}{plain: plain(r)}
	if !math.IsNaN(r.Ratio) && !math.IsInf(r.Ratio, 0) {
		out.Ratio = &r.Ratio
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a null ratio as NaN.
func (r *Row) UnmarshalJSON(b []byte) error {
	type plain Row
	in := struct {
		*plain
		Ratio *float64 `json:"ratio"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	r.Ratio = math.NaN()
	if in.Ratio != nil {
		r.Ratio = *in.Ratio
	}
	return nil
}

// NewRow makes a row with its ratio computed.
func NewRow(figure string, value, floor float64, unit, floorIs, how string) Row {
	r := Row{Figure: figure, Value: value, Floor: floor, Unit: unit, FloorIs: floorIs, How: how, Decimals: -1}
	r.Ratio = math.NaN()
	if floor != 0 {
		r.Ratio = value / floor
	}
	return r
}

// WithBudget sets the budget and whether it is met.
func (r Row) WithBudget(budget string, met bool) Row {
	r.Budget, r.Met = budget, &met
	return r
}

// WithNote adds a note.
func (r Row) WithNote(note string) Row {
	if r.Note != "" {
		r.Note += " "
	}
	r.Note += note
	return r
}

// WithDecimals fixes the decimals shown.
func (r Row) WithDecimals(n int) Row { r.Decimals = n; return r }

// Part is what one benchmark part measured.
type Part struct {
	Name    string    `json:"name"`
	Title   string    `json:"title"`
	Ran     time.Time `json:"ran"`
	Seconds float64   `json:"seconds"`
	Machine string    `json:"machine"`
	Rows    []Row     `json:"rows"`
	Notes   []string  `json:"notes,omitempty"`
	// Detail is markdown shown under the table (per-call listings, benchstat output).
	Detail string `json:"detail,omitempty"`
	// Error is set when the part could not run; Rows may then be partial.
	Error string `json:"error,omitempty"`
	// Kept is, for a part not run here (no bin/bench/<name>.json), its section of the document
	// being rewritten, and KeptGlance its lines of the budgets at a glance: a checkout that runs
	// one part rewrites only that part's rows (Keep).
	Kept       string   `json:"-"`
	KeptGlance []string `json:"-"`
}

// Keep fills Kept and KeptGlance of the parts not run here from the document they rewrite (each
// section is found by its "make bench-<name>" line).
func Keep(parts []Part, doc string) {
	sections := map[string]string{}
	chunks := strings.Split(doc, "\n## ")
	for _, c := range chunks[1:] {
		for _, p := range parts {
			if strings.Contains(c, "(`make bench-"+p.Name+"`)") && sections[p.Name] == "" {
				sections[p.Name] = "## " + strings.TrimRight(c, "\n") + "\n"
			}
		}
	}
	for i, p := range parts {
		if !p.Ran.IsZero() || sections[p.Name] == "" {
			continue
		}
		parts[i].Kept = sections[p.Name]
		_, glance, _ := strings.Cut(doc, "\n## Budgets at a glance\n")
		glance, _, _ = strings.Cut(glance, "\n## ")
		for _, line := range strings.Split(glance, "\n") {
			if strings.HasPrefix(line, "| "+p.Name+" | ") {
				parts[i].KeptGlance = append(parts[i].KeptGlance, line)
			}
		}
	}
}

// Machine describes this machine in one line.
func Machine() string {
	cpu := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				_, cpu, _ = strings.Cut(line, ":")
				cpu = strings.TrimSpace(cpu)
				break
			}
		}
	}
	return fmt.Sprintf("%s/%s, %d CPUs%s, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), prefix(", ", cpu), runtime.Version())
}

func prefix(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// Dir is where parts keep their figures.
func Dir(root string) string { return filepath.Join(root, "bin", "bench") }

// Save writes p to dir/<name>.json.
func Save(dir string, p Part) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, p.Name+".json"), append(b, '\n'), 0o644)
}

// Load reads the parts saved in dir, in the order of names (unknown ones after, by name).
func Load(dir string, names []string) ([]Part, error) {
	found := map[string]Part{}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		var p Part
		if err := json.Unmarshal(b, &p); err != nil || p.Name == "" {
			continue
		}
		found[p.Name] = p
	}
	var out []Part
	for _, n := range names {
		if p, ok := found[n]; ok {
			out = append(out, p)
			delete(found, n)
		} else {
			out = append(out, Part{Name: n})
		}
	}
	var rest []string
	for n := range found {
		rest = append(rest, n)
	}
	sort.Strings(rest)
	for _, n := range rest {
		out = append(out, found[n])
	}
	return out, nil
}

// Markdown renders docs/benchmarks.md.
func Markdown(parts []Part, intro string) string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("<!-- Generated by `make bench` (infra/bench). Do not edit: run `make bench`, or `make bench-<part>` for one part. -->\n\n")
	b.WriteString(intro)
	b.WriteString("\n\n## Budgets at a glance\n\n")
	b.WriteString("| part | figure | value | budget | met |\n|---|---|---|---|---|\n")
	for _, p := range parts {
		for _, line := range p.KeptGlance {
			b.WriteString(line + "\n")
		}
		for _, r := range p.Rows {
			if r.Met == nil {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", p.Name, cell(r.Figure), value(r.Value, r.Unit, r.Decimals), cell(r.Budget), verdict(r.Met))
		}
	}
	for _, p := range parts {
		if p.Ran.IsZero() && p.Kept != "" {
			b.WriteString("\n" + p.Kept)
			continue
		}
		title := p.Title
		if title == "" {
			title = p.Name
		}
		fmt.Fprintf(&b, "\n## %s\n\n", title)
		if p.Ran.IsZero() {
			fmt.Fprintf(&b, "Not run yet: `make bench-%s`.\n", p.Name)
			continue
		}
		fmt.Fprintf(&b, "Run %s in %.0f s on %s (`make bench-%s`).\n\n", p.Ran.UTC().Format("2006-01-02 15:04 MST"), p.Seconds, p.Machine, p.Name)
		if p.Error != "" {
			fmt.Fprintf(&b, "**This part could not run to the end:** %s\n\n", cell(p.Error))
		}
		if len(p.Rows) > 0 {
			b.WriteString("| figure | value | floor | ratio | budget | how measured |\n|---|---|---|---|---|---|\n")
			for _, r := range p.Rows {
				floor := value(r.Floor, r.Unit, r.Decimals)
				if r.FloorIs != "" {
					floor += " (" + r.FloorIs + ")"
				}
				budget := "—"
				if r.Budget != "" {
					budget = r.Budget + ": " + verdict(r.Met)
				}
				how := r.How
				if r.Note != "" {
					how += " **Note:** " + r.Note
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", cell(r.Figure), value(r.Value, r.Unit, r.Decimals), cell(floor),
					ratio(r), cell(budget), cell(how))
			}
		}
		if len(p.Notes) > 0 {
			b.WriteString("\n")
			for _, n := range p.Notes {
				fmt.Fprintf(&b, "- %s\n", n)
			}
		}
		if p.Detail != "" {
			b.WriteString("\n" + strings.TrimRight(p.Detail, "\n") + "\n")
		}
	}
	return b.String()
}

func verdict(met *bool) string {
	switch {
	case met == nil:
		return "—"
	case *met:
		return "met"
	default:
		return "**NOT met**"
	}
}

func ratio(r Row) string {
	if math.IsNaN(r.Ratio) || math.IsInf(r.Ratio, 0) {
		if r.Floor == 0 && r.Value == 0 {
			return "= floor"
		}
		return "Δ " + signed(r.Value-r.Floor, r.Unit, r.Decimals)
	}
	return fmt.Sprintf("%.2f×", r.Ratio)
}

func signed(v float64, unit string, dec int) string {
	if v >= 0 {
		return "+" + value(v, unit, dec)
	}
	return value(v, unit, dec)
}

// value formats a figure with its unit.
func value(v float64, unit string, dec int) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	if dec < 0 {
		a := math.Abs(v)
		switch {
		case a == math.Trunc(a) && a < 1e6:
			dec = 0
		case a >= 100:
			dec = 0
		case a >= 10:
			dec = 1
		case a >= 1:
			dec = 2
		default:
			dec = 3
		}
	}
	s := fmt.Sprintf("%.*f", dec, v)
	switch unit {
	case "":
		return s
	case "$":
		return "$" + s
	case "×":
		return s + "×"
	default:
		return s + " " + unit
	}
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }
