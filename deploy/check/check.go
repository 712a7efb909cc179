package main

// Strict decoding of deployment manifests into the Kubernetes API types (and the k6-operator
// TestRun, testrun.go): a misspelt or unknown field, a duplicate key, a wrong value type or an
// unknown kind is an error naming the file, the document and the field. Then the references
// between objects of one folder are checked: a TestRun's ConfigMap and key, the claims and
// volumes its runners mount, the $(VARS) its arguments use; the Secrets and keys containers read,
// the ports probes and Services name, and that a Service's selector selects a Deployment's pods.

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
	"k8s.io/apimachinery/pkg/util/intstr"
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
			errs = append(errs, checkDeployment(o, v)...)
		case *corev1.Service:
			errs = append(errs, checkService(s, o, v)...)
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
	var errs []error
	for _, c := range append(append([]corev1.Container{}, p.InitContainers...), p.Containers...) {
		mounts = append(mounts, c.VolumeMounts...)
		errs = append(errs, checkSecretRefs(s, o, at, c)...)
		errs = append(errs, checkProbePorts(o, at, c)...)
	}
	return append(errs, checkVolumes(s, o, at, p.Volumes, mounts)...)
}

// checkSecretRefs: every secretKeyRef names a Secret of this folder and one of its keys (data or
// stringData); every envFrom secretRef names a Secret of this folder (optional ones excepted).
func checkSecretRefs(s set, o Object, at string, c corev1.Container) []error {
	var errs []error
	for _, e := range c.Env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		if ref.Optional != nil && *ref.Optional {
			continue
		}
		secret := s.find("Secret", o.Namespace, ref.Name)
		if secret == nil {
			errs = append(errs, fmt.Errorf("%s: %s container %q env %s: Secret %q is not in this folder", o, at, c.Name, e.Name, ref.Name))
			continue
		}
		v := secret.Value.(*corev1.Secret)
		_, inData := v.Data[ref.Key]
		_, inString := v.StringData[ref.Key]
		if !inData && !inString {
			errs = append(errs, fmt.Errorf("%s: %s container %q env %s: Secret %s has no key %q", o, at, c.Name, e.Name, ref.Name, ref.Key))
		}
	}
	for _, f := range c.EnvFrom {
		if f.SecretRef != nil && (f.SecretRef.Optional == nil || !*f.SecretRef.Optional) && s.find("Secret", o.Namespace, f.SecretRef.Name) == nil {
			errs = append(errs, fmt.Errorf("%s: %s container %q envFrom: Secret %q is not in this folder", o, at, c.Name, f.SecretRef.Name))
		}
	}
	return errs
}

// checkProbePorts: a probe's named port is one of the container's ports.
func checkProbePorts(o Object, at string, c corev1.Container) []error {
	var errs []error
	for which, p := range map[string]*corev1.Probe{"readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe, "startupProbe": c.StartupProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Port.Type != intstr.String {
			continue
		}
		if !hasPort(c, p.HTTPGet.Port) {
			errs = append(errs, fmt.Errorf("%s: %s container %q %s.httpGet.port %q: the container has no port of that name", o, at, c.Name, which, p.HTTPGet.Port.StrVal))
		}
	}
	return errs
}

func hasPort(c corev1.Container, port intstr.IntOrString) bool {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return true
		}
	}
	return false
}

// checkDeployment: the selector selects the Deployment's own pods.
func checkDeployment(o Object, d *appsv1.Deployment) []error {
	if d.Spec.Selector == nil {
		return []error{fmt.Errorf("%s: spec.selector is missing", o)}
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Labels[k] != v {
			return []error{fmt.Errorf("%s: spec.selector.matchLabels %s=%s does not match spec.template.metadata.labels", o, k, v)}
		}
	}
	return nil
}

// checkService: the selector selects the pods of a Deployment of this folder, and each named
// targetPort is a port of that Deployment's containers.
func checkService(s set, o Object, svc *corev1.Service) []error {
	if len(svc.Spec.Selector) == 0 {
		return nil
	}
	for _, other := range s.objs {
		d, ok := other.Value.(*appsv1.Deployment)
		if !ok || other.Namespace != o.Namespace || !selects(svc.Spec.Selector, d.Spec.Template.Labels) {
			continue
		}
		var errs []error
		for _, p := range svc.Spec.Ports {
			if p.TargetPort.Type != intstr.String {
				continue
			}
			found := false
			for _, c := range d.Spec.Template.Spec.Containers {
				found = found || hasPort(c, p.TargetPort)
			}
			if !found {
				errs = append(errs, fmt.Errorf("%s: spec.ports %q targetPort %q: no container of Deployment %s has a port of that name", o, p.Name, p.TargetPort.StrVal, d.Name))
			}
		}
		return errs
	}
	return []error{fmt.Errorf("%s: spec.selector %v selects the pods of no Deployment in this folder", o, svc.Spec.Selector)}
}

func selects(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
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
