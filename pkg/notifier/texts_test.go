package notifier_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/referloop/referloop/pkg/notifier"
)

// TestRegion: a number's country is told by its calling code and, where several countries share
// one (+1), by its area code; numbers of no country (+882 networks, unused area codes) have none.
func TestRegion(t *testing.T) {
	t.Parallel()
	for number, want := range map[string]string{
		"+14155550142":  "US",
		"+16135550142":  "CA", // Ottawa
		"+18765550142":  "JM", // Jamaica shares +1
		"+18095550142":  "DO",
		"+15550142":     "", // no area code
		"+882345678901": "", // an international network
		"+33612345678":  "FR",
		"+4930123456":   "DE",
		"+1":            "",
		"":              "",
		"+999999999999": "",
	} {
		if got := notifier.Region(number); got != want {
			t.Errorf("Region(%q) = %q, want %q", number, got, want)
		}
	}
}

// TestTextRulesAreTheTemplates: the notifier's defaults (the local stack and tests use them) are
// template.yaml's parameter defaults, which a deployed stack gets.
func TestTextRulesAreTheTemplates(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Parameters map[string]struct {
			Default any `yaml:"Default"`
		} `yaml:"Parameters"`
	}
	if err := yaml.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	def := func(name string) string {
		p, ok := tpl.Parameters[name]
		if !ok {
			t.Fatalf("template.yaml has no parameter %s", name)
		}
		switch v := p.Default.(type) {
		case string:
			return v
		case int:
			return strconv.Itoa(v)
		}
		t.Fatalf("%s's default %v", name, p.Default)
		return ""
	}
	d := notifier.DefaultTextRules
	if got := strings.Split(def("SmsCountries"), ","); !slices.Equal(got, d.Countries) {
		t.Errorf("SmsCountries %v, DefaultTextRules.Countries %v", got, d.Countries)
	}
	if def("SmsPerPracticeMonth") != strconv.Itoa(d.PerPracticeMonth) || def("SmsPerMonth") != strconv.Itoa(d.PerMonth) {
		t.Errorf("SmsPerPracticeMonth %s, SmsPerMonth %s; DefaultTextRules %+v", def("SmsPerPracticeMonth"), def("SmsPerMonth"), d)
	}
}
