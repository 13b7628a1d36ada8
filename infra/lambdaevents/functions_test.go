package lambdaevents_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/infra/localserver"
	"github.com/referloop/referloop/pkg/httpapi"
)

// functionDirs lists the folders under functions/.
func functionDirs(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	sort.Strings(dirs)
	return dirs
}

// TestFunctionsMatchTemplate: every folder under functions/ is a function of template.yaml whose
// CodeUri points at it, and every function of the template has a folder with a main.go.
func TestFunctionsMatchTemplate(t *testing.T) {
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	tpl := loadTemplate(t)
	byDir := map[string]string{}
	for _, f := range tpl.Functions {
		if prev, ok := byDir[f.Dir]; ok {
			t.Errorf("%s and %s share CodeUri %s/", prev, f.LogicalID, f.Dir)
		}
		byDir[f.Dir] = f.LogicalID
		if !strings.HasPrefix(f.Dir, "functions/") || strings.Count(f.Dir, "/") != 1 {
			t.Errorf("%s: CodeUri %q is not functions/<name>/", f.LogicalID, f.Dir)
			continue
		}
		if _, err := os.Stat(filepath.Join(root, f.Dir, "main.go")); err != nil {
			t.Errorf("%s: CodeUri %s/ has no main.go: %v", f.LogicalID, f.Dir, err)
		}
		// The Makefile's build-<LogicalId> target builds ./functions/<lower-case LogicalId without "Function">.
		if want := strings.ToLower(strings.TrimSuffix(f.LogicalID, "Function")); f.Name != want {
			t.Errorf("%s: CodeUri %s/, but `make build-%s` builds ./functions/%s", f.LogicalID, f.Dir, f.LogicalID, want)
		}
	}
	for _, d := range functionDirs(t, root) {
		if _, ok := byDir["functions/"+d]; !ok {
			t.Errorf("functions/%s/ is not the CodeUri of any function in template.yaml", d)
		}
	}
}

// TestFunctionsBuild cross-compiles every function as the release does (linux/arm64, static,
// lambda.norpc), in one go build call.
func TestFunctionsBuild(t *testing.T) {
	t.Parallel()
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "./functions/...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc ./functions/...: %v\n%s", err, out)
	}
}

// TestBuildersMatchTemplate: every API function of the template has a builder in httpapi.Builders
// serving exactly its template routes, every builder belongs to a template function, and the
// function's main.go starts that same API.
func TestBuildersMatchTemplate(t *testing.T) {
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	tpl := loadTemplate(t)
	deps := &httpapi.Deps{}
	api := map[string]bool{}
	for _, f := range tpl.Functions {
		if len(f.Routes) == 0 {
			continue
		}
		api[f.Name] = true
		build, ok := httpapi.Builders[f.Name]
		if !ok {
			t.Errorf("%s routes %d HttpApi events to functions/%s, which httpapi.Builders lacks", f.LogicalID, len(f.Routes), f.Name)
			continue
		}
		a := build(deps)
		if err := localserver.SameRoutes(a, f); err != nil {
			t.Error(err)
		}
		if a.Name != f.Name {
			t.Errorf("httpapi.Builders[%q] builds the API named %q", f.Name, a.Name)
		}
		// The Lambda's main.go must start the API the tests exercise.
		fn := runtime.FuncForPC(reflect.ValueOf(build).Pointer()).Name() // …/pkg/httpapi.Submit
		call := "httpapi." + fn[strings.LastIndex(fn, ".")+1:] + "("
		src, err := os.ReadFile(filepath.Join(root, f.Dir, "main.go"))
		if err != nil {
			t.Errorf("%s: %v", f.LogicalID, err)
			continue
		}
		if !strings.Contains(string(src), call) || !strings.Contains(string(src), "lambdahttp.Start(") {
			t.Errorf("%s/main.go does not call lambdahttp.Start with %s…), the API httpapi.Builders[%q] names", f.Dir, call, f.Name)
		}
	}
	for name := range httpapi.Builders {
		if !api[name] {
			t.Errorf("httpapi.Builders[%q] has no function with HttpApi events in template.yaml", name)
		}
	}
}
