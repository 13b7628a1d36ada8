package practice

import (
	"archive/zip"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

// TestZoneNames: zones.go lists exactly the toolchain database's zones (go generate ./pkg/practice),
// sorted, and each loads.
func TestZoneNames(t *testing.T) {
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	r, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(root)), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var want []string
	for _, f := range r.File {
		if !strings.HasSuffix(f.Name, "/") {
			want = append(want, f.Name)
		}
	}
	sort.Strings(want)
	if strings.Join(want, " ") != strings.Join(zoneNames[:], " ") {
		t.Fatalf("zones.go is out of date (%d names, the database has %d): go generate ./pkg/practice", len(zoneNames), len(want))
	}
	for _, n := range zoneNames {
		if _, err := time.LoadLocation(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	for name, ok := range map[string]bool{"America/New_York": true, "UTC": true, "Local": false, "": false, "america/new_york": false, "Mars/Olympus": false} {
		if got := ValidateTimeZone(name) == nil; got != ok {
			t.Errorf("ValidateTimeZone(%q) ok = %v, want %v", name, got, ok)
		}
	}
}
