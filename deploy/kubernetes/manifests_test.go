package kubernetes_test

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yannh/kubeconform/pkg/resource"
	"github.com/yannh/kubeconform/pkg/validator"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"quizbot/bot/telegram"
	"quizbot/bot/zalo"
	"quizbot/config"
)

// The settings that are secrets: in the Secret, never in the ConfigMap.
var secretKeys = []string{
	"DATABASE_URL", "REDIS_URL", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET",
	"ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY", "ZALO_REFRESH_TOKEN",
}

// kinds the manifests may hold. PostgreSQL and Redis are outside (managed,
// or an operator's), so no StatefulSet, no PersistentVolumeClaim.
var allowedKinds = []string{
	"Namespace", "ServiceAccount", "ConfigMap", "Secret", "Service", "Deployment", "Job",
	"PodDisruptionBudget", "HorizontalPodAutoscaler", "Ingress", "NetworkPolicy",
}

// TestManifests renders the base and the example overlay with kustomize
// and validates every resource with kubeconform against the Kubernetes
// schemas in schemas/ (no network: kubeconform's default is to download
// them), strictly: an unknown or misspelt field fails. Then it checks what
// the schemas cannot: probes, security, selectors, routes, settings.
func TestManifests(t *testing.T) {
	v := newValidator(t)
	for _, dir := range []string{"base", "overlays/example"} {
		t.Run(dir, func(t *testing.T) {
			objs := render(t, dir)
			for _, o := range objs {
				res := v.ValidateResource(resource.Resource{Path: dir + ": " + o.kind + "/" + o.name, Bytes: o.yaml})
				if res.Status != validator.Valid {
					t.Errorf("%s %s: %v %v", o.kind, o.name, res.Err, res.ValidationErrors)
				}
				if !slices.Contains(allowedKinds, o.kind) {
					t.Errorf("%s %s: a kind the deployment should not hold", o.kind, o.name)
				}
			}
			checkServe(t, objs, dir == "overlays/example")
		})
	}
}

// The validator is not a rubber stamp: a misspelt field, a wrong type and a
// missing required field are refused, so the schemas were found and are
// strict.
func TestManifestsValidatorRefuses(t *testing.T) {
	v := newValidator(t)
	for name, doc := range map[string]string{
		"misspelt field": `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"selector":{},"template":{"spec":{"containers":[{"name":"x","readinesProbe":{}}]}}}}`,
		"wrong type":     `{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"},"spec":{"ports":[{"port":"eighty"}]}}`,
		"missing field":  `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"x"},"spec":{"rules":[{"http":{"paths":[{"path":"/"}]}}]}}`,
		"wrong version":  `{"apiVersion":"autoscaling/v2","kind":"Deployment","metadata":{"name":"x"}}`,
		"unknown kind":   `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"x"}}`,
	} {
		res := v.ValidateResource(resource.Resource{Path: name, Bytes: []byte(doc)})
		if res.Status == validator.Valid || res.Status == validator.Skipped {
			t.Errorf("%s: accepted (%v)", name, res.Status)
		}
	}
}

func newValidator(t *testing.T) validator.Validator {
	t.Helper()
	schemas, err := filepath.Abs("schemas")
	if err != nil {
		t.Fatal(err)
	}
	v, err := validator.New([]string{filepath.ToSlash(schemas) + "/{{ .ResourceKind }}{{ .KindSuffix }}.json"},
		validator.Opts{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type object struct {
	kind, name string
	yaml       []byte
	m          map[string]any
}

// render runs kustomize on dir, in memory, with the overlays' secrets.env
// made from secrets.env.example (the real one is never in the repository).
func render(t *testing.T, dir string) []object {
	t.Helper()
	mem := filesys.MakeFsInMemory()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, "schemas") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, "secrets.env.example") {
			if err := mem.WriteFile("/k/"+strings.TrimSuffix(p, ".example"), b); err != nil {
				return err
			}
		}
		return mem.WriteFile("/k/"+p, b)
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(mem, "/k/"+dir)
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	var objs []object
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		o := object{kind: r.GetKind(), name: r.GetName(), yaml: y}
		if err := yaml.Unmarshal(y, &o.m); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	return objs
}

// checkServe checks the serve Deployment and what points at it.
func checkServe(t *testing.T, objs []object, overlay bool) {
	byKind := map[string][]object{}
	for _, o := range objs {
		byKind[o.kind] = append(byKind[o.kind], o)
	}
	one := func(kind string) map[string]any {
		if len(byKind[kind]) != 1 {
			t.Fatalf("want one %s, got %d", kind, len(byKind[kind]))
		}
		return byKind[kind][0].m
	}
	dep, job := one("Deployment"), one("Job")
	depName := str(dep, "metadata", "name")
	pod := get(dep, "spec", "template").(map[string]any)
	podLabels := get(pod, "metadata", "labels").(map[string]any)
	c := first(t, get(pod, "spec", "containers"))
	if args := get(c, "args"); !slices.Equal(strs(args), []string{"serve"}) {
		t.Errorf("Deployment runs %v, want serve", args)
	}
	if args := get(first(t, get(job, "spec", "template", "spec", "containers")), "args"); !slices.Equal(strs(args), []string{"migrate"}) {
		t.Errorf("Job runs %v, want migrate", args)
	}
	port := ""
	for _, p := range get(c, "ports").([]any) {
		if p := p.(map[string]any); p["containerPort"] == float64(8080) { // LISTEN_ADDR
			port, _ = p["name"].(string)
		}
	}
	if port == "" {
		t.Fatalf("the container does not publish LISTEN_ADDR's port 8080: %v", get(c, "ports"))
	}
	// serve lets requests in flight finish for up to 60 s after SIGTERM.
	if g, _ := get(pod, "spec", "terminationGracePeriodSeconds").(float64); g <= 60 {
		t.Errorf("terminationGracePeriodSeconds %v: serve may take 60 s to finish its requests", g)
	}
	for probe, path := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz", "startupProbe": "/healthz"} {
		if got := str(c, probe, "httpGet", "path"); got != path || str(c, probe, "httpGet", "port") != port {
			t.Errorf("%s: %s on %v, want %s on %s", probe, got, get(c, probe, "httpGet", "port"), path, port)
		}
	}
	for _, w := range []map[string]any{pod, get(job, "spec", "template").(map[string]any)} {
		sc := get(w, "spec", "securityContext")
		if get(sc, "runAsNonRoot") != true || str(sc, "seccompProfile", "type") != "RuntimeDefault" || get(w, "spec", "automountServiceAccountToken") != false {
			t.Errorf("%s: securityContext %v, automountServiceAccountToken %v", str(w, "metadata", "labels", "app.kubernetes.io/component"),
				sc, get(w, "spec", "automountServiceAccountToken"))
		}
		for _, c := range get(w, "spec", "containers").([]any) {
			csc := get(c, "securityContext")
			if get(csc, "readOnlyRootFilesystem") != true || get(csc, "allowPrivilegeEscalation") != false ||
				!slices.Equal(strs(get(csc, "capabilities", "drop")), []string{"ALL"}) {
				t.Errorf("container %s: securityContext %v", str(c, "name"), csc)
			}
			if get(c, "resources", "requests", "cpu") == nil || get(c, "resources", "requests", "memory") == nil || get(c, "resources", "limits", "memory") == nil {
				t.Errorf("container %s: resources %v, want cpu and memory requests and a memory limit", str(c, "name"), get(c, "resources"))
			}
		}
	}
	// Service, budget and autoscaler all reach the Deployment's pods.
	svc := one("Service")
	if sel := get(svc, "spec", "selector").(map[string]any); !subset(sel, podLabels) {
		t.Errorf("the Service selects %v, the pods have %v", sel, podLabels)
	}
	if str(first(t, get(svc, "spec", "ports")), "targetPort") != port {
		t.Errorf("the Service forwards to %v, want %s", get(svc, "spec", "ports"), port)
	}
	if sel := get(one("PodDisruptionBudget"), "spec", "selector", "matchLabels").(map[string]any); !subset(sel, podLabels) {
		t.Errorf("the PodDisruptionBudget selects %v, the pods have %v", sel, podLabels)
	}
	if ref := get(one("HorizontalPodAutoscaler"), "spec", "scaleTargetRef"); str(ref, "kind") != "Deployment" || str(ref, "name") != depName {
		t.Errorf("the autoscaler scales %v, want Deployment %s", ref, depName)
	}
	if min := get(one("HorizontalPodAutoscaler"), "spec", "minReplicas"); min.(float64) < 2 {
		t.Errorf("minReplicas %v: one replica cannot be drained without a gap", min)
	}
	// The Ingress: TLS for its host, and every public route to the Service.
	ing := one("Ingress")
	rule := first(t, get(ing, "spec", "rules"))
	host := str(rule, "host")
	if tls := first(t, get(ing, "spec", "tls")); !slices.Contains(strs(get(tls, "hosts")), host) || str(tls, "secretName") == "" {
		t.Errorf("the Ingress's TLS %v does not cover %s", tls, host)
	}
	routes := map[string]bool{}
	for _, p := range get(rule, "http", "paths").([]any) {
		if str(p, "backend", "service", "name") != str(svc, "metadata", "name") || str(p, "backend", "service", "port", "name") != "http" {
			t.Errorf("route %s goes to %v", str(p, "path"), get(p, "backend"))
		}
		routes[str(p, "path")] = true
	}
	for _, path := range []string{telegram.WebhookPath, zalo.WebhookPath, zalo.InfoImagePath, "/console"} {
		if !routes[path] {
			t.Errorf("the Ingress does not route %s (routes %v)", path, slices.Sorted(maps.Keys(routes)))
		}
	}
	if routes["/healthz"] || routes["/readyz"] || routes["/"] {
		t.Errorf("the Ingress publishes more than the webhooks: %v", slices.Sorted(maps.Keys(routes)))
	}
	checkSettings(t, one("ConfigMap"), byKind["Secret"], c, host, overlay)
}

// checkSettings: every variable quizbot reads reaches the pods, from the
// ConfigMap or, for the secrets, from the Secret; nothing else is set.
func checkSettings(t *testing.T, cm map[string]any, secrets []object, c any, host string, overlay bool) {
	var read []string
	if _, err := config.Load(func(name string) string { read = append(read, name); return "" }, 0); err != nil {
		t.Fatal(err)
	}
	read = slices.Compact(slices.Sorted(slices.Values(read)))
	cmData := get(cm, "data").(map[string]any)
	refs := map[string]bool{}
	for _, e := range get(c, "envFrom").([]any) {
		refs[str(e, "configMapRef", "name")+str(e, "secretRef", "name")] = true
	}
	if !refs[str(cm, "metadata", "name")] {
		t.Errorf("the container's envFrom %v does not name the ConfigMap %s", get(c, "envFrom"), str(cm, "metadata", "name"))
	}
	secretData := map[string]any{}
	if overlay {
		if len(secrets) != 1 || !refs[secrets[0].name] {
			t.Fatalf("the overlay's Secret is not the container's (envFrom %v)", get(c, "envFrom"))
		}
		secretData = get(secrets[0].m, "data").(map[string]any)
		if len(secretData) != len(secretKeys) {
			t.Errorf("the Secret holds %v, want %v", slices.Sorted(maps.Keys(secretData)), secretKeys)
		}
	}
	for _, name := range read {
		switch {
		case name == "WEBCHAT_ADDR": // the web chat is never served in a cluster
		case slices.Contains(secretKeys, name):
			if _, ok := cmData[name]; ok {
				t.Errorf("%s is a secret, and is in the ConfigMap", name)
			}
			if _, ok := secretData[name]; overlay && !ok {
				t.Errorf("the Secret has no %s", name)
			}
		default:
			if _, ok := cmData[name]; !ok {
				t.Errorf("the ConfigMap does not set %s, which quizbot reads", name)
			}
		}
	}
	for name := range cmData {
		if !slices.Contains(read, name) {
			t.Errorf("the ConfigMap sets %s, which quizbot does not read", name)
		}
	}
	if cmData["WEBCHAT"] != "0" {
		t.Errorf("WEBCHAT=%v: the login-free web chat must be off", cmData["WEBCHAT"])
	}
	if overlay && cmData["PUBLIC_URL"] != "https://"+host {
		t.Errorf("PUBLIC_URL %v is not the Ingress's host %s", cmData["PUBLIC_URL"], host)
	}
}

// get walks nested maps; nil when a step is missing.
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func str(v any, path ...string) string { s, _ := get(v, path...).(string); return s }

func first(t *testing.T, v any) map[string]any {
	t.Helper()
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		t.Fatalf("want a list, got %v", v)
	}
	return l[0].(map[string]any)
}

func strs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func subset(sel, labels map[string]any) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}
