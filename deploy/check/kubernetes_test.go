package main

// deploy/kubernetes (the API's own manifests) decodes strictly into the core/apps/batch types and
// holds what a team needs: a Deployment with replicas, readiness on /health, liveness on /livez and
// resource requests, a Service selecting its pods, the token in a Secret, migrations as a Job. A
// misspelt field, a dangling Secret key or port, or a Service selecting nothing each fail, named.

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

const kubernetesFolder = "../kubernetes"

func kubernetesObjects(t *testing.T) (dep *appsv1.Deployment, svc *corev1.Service, secret *corev1.Secret, job *batchv1.Job) {
	t.Helper()
	objs, errs := CheckFolder(kubernetesFolder)
	for _, e := range errs {
		t.Errorf("%v", e)
	}
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *appsv1.Deployment:
			dep = v
		case *corev1.Service:
			svc = v
		case *corev1.Secret:
			secret = v
		case *batchv1.Job:
			job = v
		}
	}
	if dep == nil || svc == nil || secret == nil || job == nil {
		t.Fatalf("deploy/kubernetes needs a Deployment, a Service, a Secret and a Job; has deployment=%v service=%v secret=%v job=%v", dep != nil, svc != nil, secret != nil, job != nil)
	}
	return
}

func TestKubernetesDeploymentProbesAndResources(t *testing.T) {
	dep, svc, secret, job := kubernetesObjects(t)
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas < 2 {
		t.Errorf("the Deployment should run at least 2 replicas, has %v", dep.Spec.Replicas)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/health" {
		t.Errorf("readiness must ask GET /health, is %+v", c.ReadinessProbe)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/livez" {
		t.Errorf("liveness must ask GET /livez, is %+v", c.LivenessProbe)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
		t.Errorf("the API container must request CPU and memory, requests %v", c.Resources.Requests)
	}
	tokenFromSecret := false
	for _, e := range c.Env {
		if e.Name == "API_TOKEN" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name == secret.Name {
			tokenFromSecret = true
		}
	}
	if !tokenFromSecret {
		t.Errorf("API_TOKEN must come from Secret %s", secret.Name)
	}
	if svc.Name != "loadlab-api" || svc.Spec.Ports[0].Port != 3000 {
		t.Errorf("the Service must be loadlab-api:3000 (the k6-operator runners' default target), is %s:%d", svc.Name, svc.Spec.Ports[0].Port)
	}
	args := strings.Join(job.Spec.Template.Spec.Containers[0].Args, " ")
	if !strings.Contains(args, "migrate") || job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("the Job must run the migrations once (args %q, restartPolicy %s)", args, job.Spec.Template.Spec.RestartPolicy)
	}
}

func TestKubernetesMistakesFail(t *testing.T) {
	cases := []struct{ file, from, to, want string }{
		{"deployment.yaml", "readinessProbe:", "readinesProbe:", `unknown field "spec.template.spec.containers[0].readinesProbe"`},
		{"deployment.yaml", "containerPort:", "containerport:", `unknown field "spec.template.spec.containers[0].ports[0].containerport"`},
		{"deployment.yaml", "replicas: 3", "replicas: three", "replicas"},
		{"deployment.yaml", "cpu: 500m", "cpu: half", "quantities must match"},
		{"service.yaml", "targetPort:", "targetport:", `unknown field "spec.ports[0].targetport"`},
		{"migrate-job.yaml", "restartPolicy:", "restartpolicy:", `unknown field "spec.template.spec.restartpolicy"`},
		{"secret.yaml", "stringData:", "stringdata:", `unknown field "stringdata"`},
		{"deployment.yaml", "key: API_TOKEN", "key: API_TOKN", `Secret loadlab-api-token has no key "API_TOKN"`},
		{"migrate-job.yaml", "name: loadlab-api-token", "name: loadlab-api-tokens", `Secret "loadlab-api-tokens" is not in this folder`},
		{"deployment.yaml", "port: http", "port: htp", `readinessProbe.httpGet.port "htp"`},
		{"service.yaml", "targetPort: http", "targetPort: web", `targetPort "web"`},
		{"service.yaml", "  selector:\n    app.kubernetes.io/name: loadlab-api", "  selector:\n    app.kubernetes.io/name: loadlab", "selects the pods of no Deployment"},
		{"deployment.yaml", "  selector:\n    matchLabels:\n      app.kubernetes.io/name: loadlab-api", "  selector:\n    matchLabels:\n      app.kubernetes.io/name: other", "does not match spec.template.metadata.labels"},
	}
	for _, c := range cases {
		t.Run(c.file+" "+c.to, func(t *testing.T) { wantError(t, mutatedIn(t, kubernetesFolder, c.file, c.from, c.to), c.want) })
	}
}
