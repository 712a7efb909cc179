package main

// Strict decoding of deployment manifests into the Kubernetes API types (and the k6-operator
// TestRun, testrun.go): a misspelt or unknown field, a duplicate key, a wrong value type or an
// unknown kind is an error naming the file, the document and the field. Then the references
// between objects of one folder are checked: a TestRun's ConfigMap and key, the claims and
// volumes its runners mount, the $(VARS) its arguments use.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Object is one decoded YAML document.
type Object struct {
	File      string
	Doc       int
	Kind      string
	Name      string
	Namespace string
	Value     any
}

func (o Object) String() string { return fmt.Sprintf("%s (document %d, %s/%s)", o.File, o.Doc, o.Kind, o.Name) }

var kinds = map[string]func() any{
	"v1/ConfigMap":             func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                func() any { return &corev1.Secret{} },
	"v1/PersistentVolumeClaim": func() any { return &corev1.PersistentVolumeClaim{} },
	"v1/Pod":                   func() any { return &corev1.Pod{} },
	"v1/Service":               func() any { return &corev1.Service{} },
	"v1/Namespace":             func() any { return &corev1.Namespace{} },
	"v1/ServiceAccount":        func() any { return &corev1.ServiceAccount{} },
	"batch/v1/Job":             func() any { return &batchv1.Job{} },
	"apps/v1/Deployment":       func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":      func() any { return &appsv1.StatefulSet{} },
	"k6.io/v1alpha1/TestRun":   func() any { return &TestRun{} },
}

var separator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// DecodeFile decodes every document of a YAML file strictly into its Go type.
func DecodeFile(path string) ([]Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Object
	for i, doc := range separator.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		o, err := decodeDocument(path, i+1, []byte(doc))
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no Kubernetes object in it", path)
	}
	return out, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func decodeDocument(file string, n int, doc []byte) (Object, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return Object{}, fmt.Errorf("%s document %d: not YAML: %v", file, n, err)
	}
	key := tm.APIVersion + "/" + tm.Kind
	newValue, ok := kinds[key]
	if !ok {
		return Object{}, fmt.Errorf("%s document %d: unknown kind %q (apiVersion %q): this check knows %s", file, n, tm.Kind, tm.APIVersion, strings.Join(knownKinds(), ", "))
	}
	// Decoded the way the API server decodes: YAML (duplicate keys refused) to JSON, then
	// case-sensitive JSON with unknown and duplicate fields reported by their path.
	j, err := yaml.YAMLToJSONStrict(bytes.TrimSpace(doc))
	if err != nil {
		return Object{}, fmt.Errorf("%s document %d (%s): %v", file, n, tm.Kind, err)
	}
	v := newValue()
	strict, err := kjson.UnmarshalStrict(j, v)
	if err != nil {
		return Object{}, fmt.Errorf("%s document %d (%s): %v", file, n, tm.Kind, err)
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			msgs[i] = e.Error()
		}
		return Object{}, fmt.Errorf("%s document %d (%s): %s", file, n, tm.Kind, strings.Join(msgs, "; "))
	}
	meta := objectMeta(v)
	if meta.GetName() == "" {
		return Object{}, fmt.Errorf("%s document %d (%s): metadata.name is missing", file, n, tm.Kind)
	}
	return Object{File: file, Doc: n, Kind: tm.Kind, Name: meta.GetName(), Namespace: meta.GetNamespace(), Value: v}, nil
}

func knownKinds() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// objectMeta works for every kind above: each embeds metav1.ObjectMeta.
func objectMeta(v any) metav1.Object {
	return v.(metav1.ObjectMetaAccessor).GetObjectMeta()
}

// set indexes the objects of one folder for reference checks.
type set struct {
	objs []Object
}

func (s set) find(kind, namespace, name string) *Object {
	for i := range s.objs {
		o := &s.objs[i]
		if o.Kind == kind && o.Name == name && o.Namespace == namespace {
			return o
		}
	}
	return nil
}

var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// CheckReferences checks what objects of one folder say about each other.
func CheckReferences(objs []Object) []error {
	s := set{objs}
	var errs []error
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *TestRun:
			errs = append(errs, checkTestRun(s, o, v)...)
		case *corev1.Pod:
			errs = append(errs, checkPodSpec(s, o, "spec", &v.Spec)...)
		case *batchv1.Job:
			errs = append(errs, checkPodSpec(s, o, "spec.template.spec", &v.Spec.Template.Spec)...)
		case *appsv1.Deployment:
			errs = append(errs, checkPodSpec(s, o, "spec.template.spec", &v.Spec.Template.Spec)...)
		case *appsv1.StatefulSet:
			errs = append(errs, checkPodSpec(s, o, "spec.template.spec", &v.Spec.Template.Spec)...)
		}
	}
	return errs
}

func checkTestRun(s set, o Object, t *TestRun) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("%s: %s", o, fmt.Sprintf(format, a...))) }
	if t.Spec.Parallelism < 1 {
		bad("spec.parallelism must be at least 1, is %d", t.Spec.Parallelism)
	}
	sources := 0
	if t.Spec.Script.ConfigMap != nil {
		sources++
		cm := t.Spec.Script.ConfigMap
		file := cm.File
		if file == "" {
			file = "test.js"
		}
		if ref := s.find("ConfigMap", o.Namespace, cm.Name); ref == nil {
			bad("spec.script.configMap.name %q: no such ConfigMap in this folder", cm.Name)
		} else {
			c := ref.Value.(*corev1.ConfigMap)
			_, inData := c.Data[file]
			_, inBinary := c.BinaryData[file]
			if !inData && !inBinary {
				bad("spec.script.configMap.file %q: ConfigMap %s has no such key", file, cm.Name)
			}
		}
	}
	if t.Spec.Script.VolumeClaim != nil {
		sources++
	}
	if t.Spec.Script.LocalFile != "" {
		sources++
	}
	if sources != 1 {
		bad("spec.script must name exactly one of configMap, volumeClaim, localFile (has %d)", sources)
	}
	if r := t.Spec.Runner; r != nil {
		errs = append(errs, checkVolumes(s, o, "spec.runner", r.Volumes, r.VolumeMounts)...)
		defined := map[string]bool{}
		for _, e := range r.Env {
			defined[e.Name] = true
		}
		for _, m := range envRef.FindAllStringSubmatch(t.Spec.Arguments, -1) {
			if !defined[m[1]] {
				bad("spec.arguments uses $(%s), which spec.runner.env does not define", m[1])
			}
		}
	}
	return errs
}

func checkPodSpec(s set, o Object, at string, p *corev1.PodSpec) []error {
	var mounts []corev1.VolumeMount
	for _, c := range append(append([]corev1.Container{}, p.InitContainers...), p.Containers...) {
		mounts = append(mounts, c.VolumeMounts...)
	}
	return checkVolumes(s, o, at, p.Volumes, mounts)
}

func checkVolumes(s set, o Object, at string, volumes []corev1.Volume, mounts []corev1.VolumeMount) []error {
	var errs []error
	names := map[string]bool{}
	for _, v := range volumes {
		names[v.Name] = true
		if c := v.PersistentVolumeClaim; c != nil && s.find("PersistentVolumeClaim", o.Namespace, c.ClaimName) == nil {
			errs = append(errs, fmt.Errorf("%s: %s.volumes %q: claim %q is not in this folder", o, at, v.Name, c.ClaimName))
		}
		if c := v.ConfigMap; c != nil && s.find("ConfigMap", o.Namespace, c.Name) == nil {
			errs = append(errs, fmt.Errorf("%s: %s.volumes %q: ConfigMap %q is not in this folder", o, at, v.Name, c.Name))
		}
	}
	for _, m := range mounts {
		if !names[m.Name] {
			errs = append(errs, fmt.Errorf("%s: %s volumeMounts %q: no volume of that name", o, at, m.Name))
		}
	}
	return errs
}

// CheckFolder decodes every *.yaml / *.yml file of a folder and checks their references.
func CheckFolder(dir string) ([]Object, []error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	files = append(files, more...)
	sort.Strings(files)
	if len(files) == 0 {
		return nil, []error{fmt.Errorf("%s: no *.yaml files", dir)}
	}
	var objs []Object
	var errs []error
	for _, f := range files {
		o, err := DecodeFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, o...)
	}
	return objs, append(errs, CheckReferences(objs)...)
}
