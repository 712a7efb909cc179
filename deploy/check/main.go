// Command check decodes the manifests of the given folders strictly (see check.go): one line per
// object, one line per error, exit 1 when anything is wrong. `go test` checks the repository's
// own folders (deploy/k6-operator, deploy/kubernetes); loadlab's tests run it on generated output.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./deploy/check DIR…")
		os.Exit(2)
	}
	failed := false
	for _, dir := range os.Args[1:] {
		objs, errs := CheckFolder(dir)
		for _, o := range objs {
			fmt.Printf("ok %s\n", o)
		}
		for _, e := range errs {
			fmt.Fprintf(os.Stderr, "error %v\n", e)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}
