package main

// The repository's own manifests decode strictly and reference each other correctly; a misspelt
// field (at the TestRun's own level and inside the Kubernetes types it embeds), a duplicate key,
// an unknown kind or a dangling reference each fail with the field named.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repositoryFolders are the manifest folders of the repository (each must exist once created).
var repositoryFolders = []string{"../k6-operator/example", "../kubernetes"}

func TestRepositoryManifestsDecodeStrictly(t *testing.T) {
	checked := 0
	for _, dir := range repositoryFolders {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			continue
		}
		objs, errs := CheckFolder(dir)
		for _, e := range errs {
			t.Errorf("%v", e)
		}
		checked += len(objs)
	}
	if checked == 0 {
		t.Fatal("no manifests found in deploy/")
	}
}

func TestK6OperatorExampleHasATestRunWithItsArchive(t *testing.T) {
	objs, errs := CheckFolder("../k6-operator/example")
	if len(errs) > 0 {
		t.Fatalf("%v", errs)
	}
	var tr *TestRun
	for _, o := range objs {
		if v, ok := o.Value.(*TestRun); ok {
			tr = v
		}
	}
	if tr == nil {
		t.Fatal("deploy/k6-operator has no TestRun")
	}
	if tr.APIVersion != "k6.io/v1alpha1" || tr.Spec.Parallelism < 2 {
		t.Errorf("want a k6.io/v1alpha1 TestRun with parallelism >= 2, got %s parallelism %d", tr.APIVersion, tr.Spec.Parallelism)
	}
	if tr.Spec.Runner == nil || len(tr.Spec.Runner.VolumeMounts) == 0 {
		t.Error("runners must mount the results volume")
	}
}

// mutated writes testrun.yaml (and the other example files) with one replacement applied into a
// temporary folder and checks that folder.
func mutated(t *testing.T, file, from, to string) []error {
	t.Helper()
	return mutatedIn(t, "../k6-operator/example", file, from, to)
}

// mutatedIn is mutated for any manifest folder of the repository.
func mutatedIn(t *testing.T, folder, file, from, to string) []error {
	t.Helper()
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(folder, "*.yaml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if filepath.Base(f) == file {
			if !strings.Contains(text, from) {
				t.Fatalf("%s does not contain %q", file, from)
			}
			text = strings.Replace(text, from, to, 1)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, errs := CheckFolder(dir)
	return errs
}

func wantError(t *testing.T, errs []error, fragment string) {
	t.Helper()
	for _, e := range errs {
		if strings.Contains(e.Error(), fragment) {
			return
		}
	}
	t.Errorf("want an error containing %q, got %v", fragment, errs)
}

func TestMisspeltFieldsFail(t *testing.T) {
	cases := []struct{ file, from, to, want string }{
		{"testrun.yaml", "parallelism:", "paralelism:", `unknown field "spec.paralelism"`},
		{"testrun.yaml", "mountPath:", "mountPth:", `unknown field "spec.runner.volumeMounts[0].mountPth"`},
		{"testrun.yaml", "fieldPath:", "fieldpath:", `unknown field "spec.runner.env[0].valueFrom.fieldRef.fieldpath"`},
		{"testrun.yaml", "configMap:", "configmap:", `unknown field "spec.script.configmap"`},
		{"results-pvc.yaml", "accessModes:", "accesModes:", `unknown field "spec.accesModes"`},
		{"results-reader.yaml", "restartPolicy:", "restartpolicy:", `unknown field "spec.restartpolicy"`},
		{"configmap.yaml", "binaryData:", "binarydata:", `unknown field "binarydata"`},
	}
	for _, c := range cases {
		t.Run(c.to, func(t *testing.T) { wantError(t, mutated(t, c.file, c.from, c.to), c.want) })
	}
}

func TestWrongValuesAndKindsFail(t *testing.T) {
	wantError(t, mutated(t, "testrun.yaml", "parallelism: ", "parallelism: many #"), "parallelism")
	wantError(t, mutated(t, "testrun.yaml", "kind: TestRun", "kind: TestRuns"), `unknown kind "TestRuns"`)
	wantError(t, mutated(t, "results-pvc.yaml", "storage: ", "storage: lots #"), "quantities must match")
	wantError(t, mutated(t, "testrun.yaml", "  parallelism:", "  separate: true\n  separate: false\n  parallelism:"), "separate")
}

func TestDanglingReferencesFail(t *testing.T) {
	wantError(t, mutated(t, "testrun.yaml", "file: archive.tar", "file: archive.tgz"), `ConfigMap loadlab-archive has no such key`)
	wantError(t, mutated(t, "testrun.yaml", "name: loadlab-archive", "name: loadlab-archiv"), `no such ConfigMap`)
	wantError(t, mutated(t, "testrun.yaml", "claimName: loadlab-results", "claimName: loadlab-result"), `claim "loadlab-result" is not in this folder`)
	wantError(t, mutated(t, "testrun.yaml", "- name: POD_NAME", "- name: POD"), "uses $(POD_NAME), which spec.runner.env does not define")
}
