package main

// The k6-operator's TestRun (apiVersion k6.io/v1alpha1), field for field as k6-operator documents
// it, with the Kubernetes parts as the real k8s.io/api/core/v1 types. The k6-operator Go module
// (github.com/grafana/k6-operator/api/v1alpha1) is not served by the Go module proxy this project
// builds from, so the TestRun's own level is declared here; everything below spec.runner,
// spec.starter and spec.initializer (env, volumes, volumeMounts, resources, …) is decoded by the
// Kubernetes types themselves. Strict decoding rejects any field that is not declared.

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type TestRun struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              TestRunSpec `json:"spec"`
}

type TestRunSpec struct {
	Script      TestRunScript          `json:"script"`
	Parallelism int32                  `json:"parallelism"`
	Separate    bool                   `json:"separate,omitempty"`
	Arguments   string                 `json:"arguments,omitempty"`
	Ports       []corev1.ContainerPort `json:"ports,omitempty"`
	Initializer *TestRunPod            `json:"initializer,omitempty"`
	Starter     *TestRunPod            `json:"starter,omitempty"`
	Runner      *TestRunPod            `json:"runner,omitempty"`
	Quiet       string                 `json:"quiet,omitempty"`
	Paused      string                 `json:"paused,omitempty"`
	Scuttle     *TestRunScuttle        `json:"scuttle,omitempty"`
	Cleanup     string                 `json:"cleanup,omitempty"`
}

type TestRunScript struct {
	ConfigMap   *TestRunConfigMap   `json:"configMap,omitempty"`
	VolumeClaim *TestRunVolumeClaim `json:"volumeClaim,omitempty"`
	LocalFile   string              `json:"localFile,omitempty"`
}

type TestRunConfigMap struct {
	Name string `json:"name"`
	File string `json:"file,omitempty"`
}

type TestRunVolumeClaim struct {
	Name     string `json:"name"`
	File     string `json:"file,omitempty"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

type TestRunPodMetadata struct {
	Annotations map[string]string `json:"annotations,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}

type TestRunPod struct {
	Disabled                     bool                              `json:"disabled,omitempty"`
	Affinity                     *corev1.Affinity                  `json:"affinity,omitempty"`
	AutomountServiceAccountToken string                            `json:"automountServiceAccountToken,omitempty"`
	Env                          []corev1.EnvVar                   `json:"env,omitempty"`
	EnvFrom                      []corev1.EnvFromSource            `json:"envFrom,omitempty"`
	Image                        string                            `json:"image,omitempty"`
	ImagePullSecrets             []corev1.LocalObjectReference     `json:"imagePullSecrets,omitempty"`
	ImagePullPolicy              corev1.PullPolicy                 `json:"imagePullPolicy,omitempty"`
	Metadata                     *TestRunPodMetadata               `json:"metadata,omitempty"`
	NodeSelector                 map[string]string                 `json:"nodeSelector,omitempty"`
	Tolerations                  []corev1.Toleration               `json:"tolerations,omitempty"`
	TopologySpreadConstraints    []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`
	Resources                    *corev1.ResourceRequirements      `json:"resources,omitempty"`
	ServiceAccountName           string                            `json:"serviceAccountName,omitempty"`
	SecurityContext              *corev1.PodSecurityContext        `json:"securityContext,omitempty"`
	ContainerSecurityContext     *corev1.SecurityContext           `json:"containerSecurityContext,omitempty"`
	ReadinessProbe               *corev1.Probe                     `json:"readinessProbe,omitempty"`
	LivenessProbe                *corev1.Probe                     `json:"livenessProbe,omitempty"`
	InitContainers               []TestRunInitContainer            `json:"initContainers,omitempty"`
	Volumes                      []corev1.Volume                   `json:"volumes,omitempty"`
	VolumeMounts                 []corev1.VolumeMount              `json:"volumeMounts,omitempty"`
	PriorityClassName            string                            `json:"priorityClassName,omitempty"`
	SchedulerName                string                            `json:"schedulerName,omitempty"`
}

type TestRunInitContainer struct {
	Name         string                       `json:"name,omitempty"`
	Image        string                       `json:"image,omitempty"`
	Env          []corev1.EnvVar              `json:"env,omitempty"`
	EnvFrom      []corev1.EnvFromSource       `json:"envFrom,omitempty"`
	Command      []string                     `json:"command,omitempty"`
	Args         []string                     `json:"args,omitempty"`
	WorkingDir   string                       `json:"workingDir,omitempty"`
	VolumeMounts []corev1.VolumeMount         `json:"volumeMounts,omitempty"`
	Resources    *corev1.ResourceRequirements `json:"resources,omitempty"`
}

type TestRunScuttle struct {
	Enabled                 string `json:"enabled,omitempty"`
	EnvoyAdminAPI           string `json:"envoyAdminApi,omitempty"`
	NeverKillIstio          bool   `json:"neverKillIstio,omitempty"`
	NeverKillIstioOnFailure bool   `json:"neverKillIstioOnFailure,omitempty"`
	DisableLogging          bool   `json:"disableLogging,omitempty"`
	StartWithoutEnvoy       bool   `json:"startWithoutEnvoy,omitempty"`
	WaitForEnvoyTimeout     string `json:"waitForEnvoyTimeout,omitempty"`
	IstioQuitAPI            string `json:"istioQuitApi,omitempty"`
	GenericQuitEndpoint     string `json:"genericQuitEndpoint,omitempty"`
	QuitWithoutEnvoyTimeout string `json:"quitWithoutEnvoyTimeout,omitempty"`
}
