// Command testsum reads `go test -json` on stdin, prints the usual per-package lines (and the output
// of failed tests), and ends with one plain line: "N passed, N failed, N skipped". It exits 1 when
// anything failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	var passed, failed, skipped, pkgFailed int
	outputs := map[string][]string{} // package/test → output lines, kept until the test ends
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if json.Unmarshal(line, &e) != nil {
			fmt.Println(string(line)) // build errors and other plain output
			continue
		}
		id := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			outputs[id] = append(outputs[id], e.Output)
		case "pass", "fail", "skip":
			if e.Test == "" {
				status := map[string]string{"pass": "ok  ", "fail": "FAIL", "skip": "?   "}[e.Action]
				if e.Action == "fail" {
					pkgFailed++
					fmt.Print(strings.Join(outputs[id], ""))
				}
				fmt.Printf("%s\t%s\t%.3fs\n", status, e.Package, e.Elapsed)
				delete(outputs, id)
				continue
			}
			switch e.Action {
			case "pass":
				passed++
			case "fail":
				failed++
				fmt.Print(strings.Join(outputs[id], ""))
			case "skip":
				skipped++
				fmt.Printf("SKIP %s %s\n", e.Package, e.Test)
			}
			delete(outputs, id)
		}
	}
	fmt.Printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || pkgFailed > 0 {
		os.Exit(1)
	}
}
