package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"
)

// Kubernetes

type meta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace"`
	Labels    map[string]string `yaml:"labels"`
}

type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   meta   `yaml:"metadata"`
}

type labelSelector struct {
	MatchLabels      map[string]string `yaml:"matchLabels"`
	MatchExpressions []any             `yaml:"matchExpressions"`
}

// selects reports whether the selector picks pods with labels; it
// supports matchLabels only (and says so).
func (s *labelSelector) selects(labels map[string]string) bool {
	if s == nil || len(s.MatchLabels) == 0 || len(s.MatchExpressions) > 0 {
		return false
	}
	for k, v := range s.MatchLabels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// intOrString is a port or a count given as a number or a name.
type intOrString = string

type probe struct {
	HTTPGet *struct {
		Path string      `yaml:"path"`
		Port intOrString `yaml:"port"`
	} `yaml:"httpGet"`
	Exec any `yaml:"exec"`
}

type containerSecurityContext struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
	Privileged               *bool  `yaml:"privileged"`
	Capabilities             *struct {
		Add  []string `yaml:"add"`
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
	SeccompProfile *struct {
		Type string `yaml:"type"`
	} `yaml:"seccompProfile"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	SecurityContext *containerSecurityContext `yaml:"securityContext"`
	LivenessProbe   *probe                    `yaml:"livenessProbe"`
	ReadinessProbe  *probe                    `yaml:"readinessProbe"`
	Lifecycle       *struct {
		PreStop *struct {
			Sleep *struct {
				Seconds int64 `yaml:"seconds"`
			} `yaml:"sleep"`
		} `yaml:"preStop"`
	} `yaml:"lifecycle"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type volume struct {
	Name     string `yaml:"name"`
	EmptyDir *struct {
		Medium    string `yaml:"medium"`
		SizeLimit string `yaml:"sizeLimit"`
	} `yaml:"emptyDir"`
	Secret *struct {
		SecretName  string `yaml:"secretName"`
		DefaultMode *int32 `yaml:"defaultMode"`
		Items       []struct {
			Key  string `yaml:"key"`
			Path string `yaml:"path"`
			Mode *int32 `yaml:"mode"`
		} `yaml:"items"`
	} `yaml:"secret"`
	HostPath any `yaml:"hostPath"`
}

type deployment struct {
	k8sObject `yaml:",inline"`
	Spec      struct {
		Replicas *int32         `yaml:"replicas"`
		Selector *labelSelector `yaml:"selector"`
		Template struct {
			Metadata meta `yaml:"metadata"`
			Spec     struct {
				ServiceAccountName            string `yaml:"serviceAccountName"`
				AutomountServiceAccountToken  *bool  `yaml:"automountServiceAccountToken"`
				TerminationGracePeriodSeconds *int64 `yaml:"terminationGracePeriodSeconds"`
				HostNetwork                   bool   `yaml:"hostNetwork"`
				HostPID                       bool   `yaml:"hostPID"`
				HostIPC                       bool   `yaml:"hostIPC"`
				SecurityContext               *struct {
					RunAsNonRoot   *bool  `yaml:"runAsNonRoot"`
					RunAsUser      *int64 `yaml:"runAsUser"`
					RunAsGroup     *int64 `yaml:"runAsGroup"`
					FSGroup        *int64 `yaml:"fsGroup"`
					SeccompProfile *struct {
						Type string `yaml:"type"`
					} `yaml:"seccompProfile"`
				} `yaml:"securityContext"`
				Containers     []container `yaml:"containers"`
				InitContainers []container `yaml:"initContainers"`
				Volumes        []volume    `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type service struct {
	k8sObject `yaml:",inline"`
	Spec      struct {
		Type     string            `yaml:"type"`
		Selector map[string]string `yaml:"selector"`
		Ports    []servicePort     `yaml:"ports"`
	} `yaml:"spec"`
}

type servicePort struct {
	Name       string      `yaml:"name"`
	Port       int         `yaml:"port"`
	TargetPort intOrString `yaml:"targetPort"`
}

type pdb struct {
	k8sObject `yaml:",inline"`
	Spec      struct {
		MinAvailable   *intOrString   `yaml:"minAvailable"`
		MaxUnavailable *intOrString   `yaml:"maxUnavailable"`
		Selector       *labelSelector `yaml:"selector"`
	} `yaml:"spec"`
}

type ingress struct {
	k8sObject `yaml:",inline"`
	Spec      struct {
		Rules []struct {
			HTTP struct {
				Paths []struct {
					Path     string `yaml:"path"`
					PathType string `yaml:"pathType"`
					Backend  struct {
						Service struct {
							Name string `yaml:"name"`
							Port struct {
								Name   string `yaml:"name"`
								Number int    `yaml:"number"`
							} `yaml:"port"`
						} `yaml:"service"`
					} `yaml:"backend"`
				} `yaml:"paths"`
			} `yaml:"http"`
		} `yaml:"rules"`
	} `yaml:"spec"`
}

type serviceAccount struct {
	k8sObject                    `yaml:",inline"`
	AutomountServiceAccountToken *bool `yaml:"automountServiceAccountToken"`
}

type networkPolicy struct {
	k8sObject `yaml:",inline"`
	Spec      struct {
		PodSelector labelSelector `yaml:"podSelector"`
		Ingress     []struct {
			Ports []struct {
				Port intOrString `yaml:"port"`
			} `yaml:"ports"`
		} `yaml:"ingress"`
	} `yaml:"spec"`
}

type secret struct {
	k8sObject  `yaml:",inline"`
	StringData map[string]string `yaml:"stringData"`
	Data       map[string]string `yaml:"data"`
}

type kustomization struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Resources  []string `yaml:"resources"`
}

// k8sFile is one manifest: its documents, each as a node.
type k8sFile struct {
	name string
	docs []*yaml.Node
}

func loadK8s(t *testing.T) (files []k8sFile, byKind map[string][]*yaml.Node) {
	t.Helper()
	names, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no kubernetes/*.yaml: %v", err)
	}
	if more, _ := filepath.Glob("kubernetes/*.yml"); len(more) > 0 {
		t.Errorf("%v: name manifests *.yaml", more)
	}
	byKind = map[string][]*yaml.Node{}
	for _, name := range names {
		dec := yaml.NewDecoder(bytes.NewReader(readFile(t, name)))
		f := k8sFile{name: filepath.Base(name)}
		for {
			var doc yaml.Node
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var obj k8sObject
			if err := doc.Decode(&obj); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if obj.APIVersion == "" || obj.Kind == "" {
				t.Errorf("%s: a document without apiVersion or kind", name)
				continue
			}
			if obj.Kind != "Kustomization" && obj.Metadata.Name == "" {
				t.Errorf("%s: %s without metadata.name", name, obj.Kind)
			}
			if obj.Metadata.Namespace != "" {
				t.Errorf("%s: %s %s sets namespace %q: the base leaves it to kubectl -n or an overlay", name, obj.Kind, obj.Metadata.Name, obj.Metadata.Namespace)
			}
			f.docs = append(f.docs, &doc)
			if f.name != "secret.example.yaml" {
				byKind[obj.Kind] = append(byKind[obj.Kind], &doc)
			}
		}
		files = append(files, f)
	}
	return files, byKind
}

// one decodes the single object of kind.
func one[T any](t *testing.T, byKind map[string][]*yaml.Node, kind string) *T {
	t.Helper()
	docs := byKind[kind]
	if len(docs) != 1 {
		t.Fatalf("want exactly one %s in the kustomize base, found %d", kind, len(docs))
	}
	v := new(T)
	if err := docs[0].Decode(v); err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	return v
}

func TestKubernetes(t *testing.T) {
	files, byKind := loadK8s(t)
	dep := one[deployment](t, byKind, "Deployment")
	spec := dep.Spec.Template.Spec
	podLabels := dep.Spec.Template.Metadata.Labels

	t.Run("kustomization", func(t *testing.T) {
		k := one[kustomization](t, byKind, "Kustomization")
		if k.APIVersion != "kustomize.config.k8s.io/v1beta1" {
			t.Errorf("kustomization apiVersion %q", k.APIVersion)
		}
		var want []string
		for _, f := range files {
			if f.name != "kustomization.yaml" && f.name != "secret.example.yaml" {
				want = append(want, f.name)
			}
		}
		got := slices.Sorted(slices.Values(k.Resources))
		if !slices.Equal(got, want) {
			t.Errorf("kustomization resources %v, want every manifest but the example Secret: %v", got, want)
		}
		if slices.Contains(k.Resources, "secret.example.yaml") {
			t.Error("secret.example.yaml is a resource: it is documentation with placeholder values")
		}
	})

	t.Run("deployment", func(t *testing.T) {
		if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 1 {
			t.Errorf("replicas %s, want 1 (see the comment on scaling)", show(dep.Spec.Replicas))
		}
		if !dep.Spec.Selector.selects(podLabels) {
			t.Errorf("selector %+v does not select the pod template's labels %v", dep.Spec.Selector, podLabels)
		}
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			t.Error("automountServiceAccountToken is not false: the App never calls the Kubernetes API")
		}
		if spec.HostNetwork || spec.HostPID || spec.HostIPC {
			t.Error("the pod shares a host namespace")
		}
		psc := spec.SecurityContext
		if psc == nil {
			t.Fatal("no pod securityContext")
		}
		if psc.SeccompProfile == nil || psc.SeccompProfile.Type != "RuntimeDefault" {
			t.Errorf("pod seccompProfile %+v, want RuntimeDefault", psc.SeccompProfile)
		}
		if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			t.Error("pod runAsNonRoot is not true")
		}
		if psc.RunAsUser == nil || *psc.RunAsUser != nonrootID {
			t.Errorf("pod runAsUser %s, want %d", show(psc.RunAsUser), nonrootID)
		}
		// Secret volume files are root's; only fsGroup lets the App
		// read them with a 0400 defaultMode.
		if psc.FSGroup == nil || *psc.FSGroup != nonrootID {
			t.Errorf("pod fsGroup %s, want %d: without it uid %d cannot read the mounted private key", show(psc.FSGroup), nonrootID, nonrootID)
		}
		if len(spec.InitContainers) > 0 {
			t.Errorf("init containers %d: none is expected (and none is checked)", len(spec.InitContainers))
		}
		if len(spec.Containers) != 1 {
			t.Fatalf("%d containers, want 1", len(spec.Containers))
		}
		c := spec.Containers[0]
		if !strings.HasPrefix(c.Image, "ghcr.io/mountguard/mountguard") {
			t.Errorf("image %q", c.Image)
		}

		sc := c.SecurityContext
		if sc == nil {
			t.Fatal("no container securityContext")
		}
		for _, b := range []struct {
			name string
			v    *bool
			want bool
		}{
			{"readOnlyRootFilesystem", sc.ReadOnlyRootFilesystem, true},
			{"allowPrivilegeEscalation", sc.AllowPrivilegeEscalation, false},
		} {
			if b.v == nil || *b.v != b.want {
				t.Errorf("container %s is %s, want %v", b.name, show(b.v), b.want)
			}
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Error("container is privileged")
		}
		if sc.RunAsNonRoot != nil && !*sc.RunAsNonRoot {
			t.Error("container runAsNonRoot false overrides the pod's")
		}
		if sc.RunAsUser != nil && *sc.RunAsUser != nonrootID {
			t.Errorf("container runAsUser %d overrides the pod's %d", *sc.RunAsUser, nonrootID)
		}
		if sc.SeccompProfile != nil && sc.SeccompProfile.Type != "RuntimeDefault" {
			t.Errorf("container seccompProfile %q overrides the pod's RuntimeDefault", sc.SeccompProfile.Type)
		}
		if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) || len(sc.Capabilities.Add) > 0 {
			t.Errorf("capabilities %+v, want drop [ALL] and nothing added", sc.Capabilities)
		}

		// Probes: HTTP GETs by the kubelet on the App's port.
		ports := map[string]int{}
		for _, p := range c.Ports {
			ports[p.Name] = p.ContainerPort
		}
		resolve := func(p intOrString) int {
			if n, err := strconv.Atoi(p); err == nil {
				return n
			}
			return ports[p]
		}
		for _, pc := range []struct {
			name string
			p    *probe
			path string
		}{
			{"livenessProbe", c.LivenessProbe, "/healthz"},
			{"readinessProbe", c.ReadinessProbe, "/readyz"},
		} {
			switch {
			case pc.p == nil || pc.p.HTTPGet == nil:
				t.Errorf("%s is not an httpGet probe", pc.name)
			case pc.p.HTTPGet.Path != pc.path:
				t.Errorf("%s GETs %s, want %s", pc.name, pc.p.HTTPGet.Path, pc.path)
			case resolve(pc.p.HTTPGet.Port) != appPort:
				t.Errorf("%s port %q is not %d", pc.name, pc.p.HTTPGet.Port, appPort)
			}
		}

		for _, kind := range []string{"requests", "limits"} {
			m := c.Resources.Requests
			if kind == "limits" {
				m = c.Resources.Limits
			}
			for _, r := range []string{"cpu", "memory"} {
				if m[r] == "" {
					t.Errorf("resources.%s.%s is not set", kind, r)
				}
			}
		}

		env := map[string]string{}
		for _, e := range c.Env {
			env[e.Name] = e.Value
			if e.Name == "MOUNTGUARD_APP_ID" {
				if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != "mountguard-credentials" || e.ValueFrom.SecretKeyRef.Key != "app-id" {
					t.Error("MOUNTGUARD_APP_ID does not come from Secret mountguard-credentials, key app-id")
				}
			}
			if (e.Name == "MOUNTGUARD_PRIVATE_KEY" || e.Name == "MOUNTGUARD_WEBHOOK_SECRET") && e.ValueFrom != nil {
				t.Errorf("%s comes through the environment: mount it as a file", e.Name)
			}
		}
		if _, ok := env["MOUNTGUARD_APP_ID"]; !ok {
			t.Error("MOUNTGUARD_APP_ID is not set")
		}

		// Volumes: /tmp in memory, the credentials read-only from the Secret.
		volumes := map[string]volume{}
		for _, v := range spec.Volumes {
			volumes[v.Name] = v
			if v.HostPath != nil {
				t.Errorf("volume %s is a hostPath", v.Name)
			}
		}
		mounts := map[string]string{} // mount path → volume name
		for _, m := range c.VolumeMounts {
			mounts[m.MountPath] = m.Name
			if v := volumes[m.Name]; v.Secret != nil && !m.ReadOnly {
				t.Errorf("Secret volume %s is mounted at %s without readOnly: true", m.Name, m.MountPath)
			}
		}
		for _, v := range spec.Volumes {
			if v.Secret == nil {
				continue
			}
			if m := v.Secret.DefaultMode; m == nil || *m != 0o400 {
				got := "unset"
				if m != nil {
					got = fmt.Sprintf("%#o", *m)
				}
				t.Errorf("Secret volume %s defaultMode is %s, want 0400 (octal, as YAML reads a leading 0; 256 in decimal)", v.Name, got)
			}
		}
		if tmp, ok := volumes[mounts["/tmp"]]; !ok || tmp.EmptyDir == nil {
			t.Error("/tmp is not an emptyDir: with a read-only root file system the App has nowhere to write included files")
		} else if tmp.EmptyDir.Medium != "Memory" || tmp.EmptyDir.SizeLimit == "" {
			t.Errorf("/tmp emptyDir medium %q, sizeLimit %q: want Memory with a sizeLimit", tmp.EmptyDir.Medium, tmp.EmptyDir.SizeLimit)
		}
		for _, c := range []struct{ setting, key string }{
			{"MOUNTGUARD_PRIVATE_KEY_PATH", "private-key.pem"},
			{"MOUNTGUARD_WEBHOOK_SECRET_PATH", "webhook-secret"},
		} {
			path := env[c.setting]
			dir, file := filepath.Dir(path), filepath.Base(path)
			v, ok := volumes[mounts[dir]]
			if !ok || v.Secret == nil {
				t.Errorf("%s=%q is not in a mounted Secret volume", c.setting, path)
				continue
			}
			if v.Secret.SecretName != "mountguard-credentials" {
				t.Errorf("%s comes from Secret %q, want mountguard-credentials", c.setting, v.Secret.SecretName)
			}
			found := false
			for _, it := range v.Secret.Items {
				if it.Path == file {
					found = true
					if it.Key != c.key {
						t.Errorf("%s is key %q of the Secret, want %q", path, it.Key, c.key)
					}
					if it.Mode != nil && *it.Mode != 0o400 {
						t.Errorf("%s has mode %#o, want 0400", path, *it.Mode)
					}
				}
			}
			if len(v.Secret.Items) > 0 && !found {
				t.Errorf("%s=%q: no item of the Secret volume has path %s", c.setting, path, file)
			}
		}

		// Stopping: the kubelet waits longer than the App drains.
		drain := 30 * time.Second
		if v := env["MOUNTGUARD_SHUTDOWN_TIMEOUT"]; v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatalf("MOUNTGUARD_SHUTDOWN_TIMEOUT=%q: %v", v, err)
			}
			drain = d
		}
		if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
			drain += time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
		}
		if g := spec.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= drain {
			t.Errorf("terminationGracePeriodSeconds %s must exceed the preStop sleep plus MOUNTGUARD_SHUTDOWN_TIMEOUT (%v): the kubelet would kill queued reviews", show(g), drain)
		}
	})

	t.Run("service account", func(t *testing.T) {
		sa := one[serviceAccount](t, byKind, "ServiceAccount")
		if spec.ServiceAccountName != sa.Metadata.Name {
			t.Errorf("the pod runs as service account %q, the base defines %q", spec.ServiceAccountName, sa.Metadata.Name)
		}
		if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			t.Error("ServiceAccount automountServiceAccountToken is not false")
		}
		if len(byKind["RoleBinding"])+len(byKind["ClusterRoleBinding"]) > 0 {
			t.Error("the base binds a role: the App needs no Kubernetes API access")
		}
	})

	svc := one[service](t, byKind, "Service")
	t.Run("service", func(t *testing.T) {
		if svc.Spec.Type != "" && svc.Spec.Type != "ClusterIP" {
			t.Errorf("Service type %q, want ClusterIP", svc.Spec.Type)
		}
		sel := labelSelector{MatchLabels: svc.Spec.Selector}
		if !sel.selects(podLabels) {
			t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, podLabels)
		}
		if len(spec.Containers) == 0 {
			t.Fatal("the Deployment has no container")
		}
		ports := map[string]int{}
		for _, p := range spec.Containers[0].Ports {
			ports[p.Name] = p.ContainerPort
		}
		if len(svc.Spec.Ports) != 1 {
			t.Fatalf("Service has %d ports, want 1", len(svc.Spec.Ports))
		}
		p := svc.Spec.Ports[0]
		target, err := strconv.Atoi(p.TargetPort)
		if err != nil {
			target = ports[p.TargetPort]
		}
		if p.Port != 80 || target != appPort {
			t.Errorf("Service port %d → %q (container port %d), want 80 → %d", p.Port, p.TargetPort, target, appPort)
		}
	})

	t.Run("pod disruption budget", func(t *testing.T) {
		b := one[pdb](t, byKind, "PodDisruptionBudget")
		if !b.Spec.Selector.selects(podLabels) {
			t.Errorf("PodDisruptionBudget selector %+v does not select the Deployment's pods %v", b.Spec.Selector, podLabels)
		}
		if (b.Spec.MinAvailable == nil) == (b.Spec.MaxUnavailable == nil) {
			t.Error("set exactly one of minAvailable and maxUnavailable")
		}
		if b.Spec.MinAvailable != nil && *b.Spec.MinAvailable == "1" && *dep.Spec.Replicas == 1 {
			t.Error("minAvailable: 1 with one replica blocks every node drain")
		}
	})

	t.Run("ingress", func(t *testing.T) {
		ing := one[ingress](t, byKind, "Ingress")
		var paths []string
		for _, r := range ing.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				paths = append(paths, p.Path)
				b := p.Backend.Service
				if b.Name != svc.Metadata.Name {
					t.Errorf("Ingress path %s goes to Service %q, want %q", p.Path, b.Name, svc.Metadata.Name)
				}
				if !slices.ContainsFunc(svc.Spec.Ports, func(sp servicePort) bool {
					return (b.Port.Name != "" && sp.Name == b.Port.Name) || (b.Port.Number != 0 && sp.Port == b.Port.Number)
				}) {
					t.Errorf("Ingress path %s names Service port %+v, which the Service does not have", p.Path, b.Port)
				}
			}
		}
		if !slices.Equal(paths, []string{"/webhook"}) {
			t.Errorf("Ingress publishes %v, want only /webhook (/metrics, /healthz and /readyz are unauthenticated)", paths)
		}
	})

	t.Run("network policy", func(t *testing.T) {
		if len(byKind["NetworkPolicy"]) == 0 {
			t.Skip("no NetworkPolicy")
		}
		np := one[networkPolicy](t, byKind, "NetworkPolicy")
		if !np.Spec.PodSelector.selects(podLabels) {
			t.Errorf("NetworkPolicy selects %+v, not the pods %v", np.Spec.PodSelector, podLabels)
		}
		allowed := false
		for _, in := range np.Spec.Ingress {
			for _, p := range in.Ports {
				if p.Port == strconv.Itoa(appPort) || p.Port == "http" {
					allowed = true
				}
			}
		}
		if !allowed {
			t.Errorf("NetworkPolicy does not let deliveries reach port %d", appPort)
		}
	})

	t.Run("example secret", func(t *testing.T) {
		var ex *secret
		for _, f := range files {
			if f.name == "secret.example.yaml" && len(f.docs) == 1 {
				ex = new(secret)
				if err := f.docs[0].Decode(ex); err != nil {
					t.Fatal(err)
				}
			}
		}
		if ex == nil {
			t.Fatal("kubernetes/secret.example.yaml is missing or holds more than one document")
		}
		if ex.Kind != "Secret" || ex.Metadata.Name != "mountguard-credentials" {
			t.Errorf("secret.example.yaml is %s %q, want Secret mountguard-credentials", ex.Kind, ex.Metadata.Name)
		}
		if len(ex.Data) > 0 {
			t.Error("secret.example.yaml has data: placeholders only, in stringData")
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range ex.StringData {
				if !yield(k) {
					return
				}
			}
		})
		if want := []string{"app-id", "private-key.pem", "webhook-secret"}; !slices.Equal(keys, want) {
			t.Errorf("secret.example.yaml keys %v, want %v", keys, want)
		}
		for k, v := range ex.StringData {
			if k != "app-id" && !strings.Contains(v, "REPLACE") {
				t.Errorf("secret.example.yaml %s does not look like a placeholder", k)
			}
		}
	})

	t.Run("kustomize build", func(t *testing.T) {
		kubectl, err := exec.LookPath("kubectl")
		if err != nil {
			t.Skip("kubectl is not on PATH: the kustomize build is not checked")
		}
		out, err := exec.Command(kubectl, "kustomize", "kubernetes").CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl kustomize kubernetes: %v\n%s", err, out)
		}
		if bytes.Contains(out, []byte("kind: Secret\n")) {
			t.Error("the kustomize build contains a Secret: credentials must not come from the base")
		}
	})
}
