//go:build ignore

// gen writes the JSON schemas that TestManifests validates the Kubernetes
// manifests against, so that the test needs no network: kubeconform fetches
// its schemas from GitHub by default, which CI may not reach.
//
// The schemas come from the OpenAPI document of a Kubernetes release
// (api/openapi-spec/swagger.json of the k8s.io/kubernetes module, fetched
// through the Go module proxy like any dependency), for the few kinds the
// manifests use, in the layout kubeconform reads: one file per kind
// (deployment-apps-v1.json, ...) referring to _definitions.json, which
// holds only the definitions those kinds reach. Like kubeconform's
// "-strict" schemas, every object with declared properties refuses others
// (a misspelt field fails), and int-or-string and quantities accept both
// forms, as the API server does. Descriptions are dropped: the Kubernetes
// reference has them.
//
//	go run deploy/kubernetes/schemas/gen.go   (from the repository's root)
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// version is the Kubernetes release whose API the schemas describe: the
// oldest the manifests are meant for (every field they use exists there).
const version = "v1.34.2"

// kinds are the kinds the manifests use, by OpenAPI definition.
var kinds = []string{
	"io.k8s.api.core.v1.ConfigMap",
	"io.k8s.api.core.v1.Namespace",
	"io.k8s.api.core.v1.Secret",
	"io.k8s.api.core.v1.Service",
	"io.k8s.api.core.v1.ServiceAccount",
	"io.k8s.api.apps.v1.Deployment",
	"io.k8s.api.batch.v1.Job",
	"io.k8s.api.batch.v1.CronJob",
	"io.k8s.api.policy.v1.PodDisruptionBudget",
	"io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
	"io.k8s.api.networking.v1.Ingress",
	"io.k8s.api.networking.v1.NetworkPolicy",
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	out, err := exec.Command("go", "mod", "download", "-json", "k8s.io/kubernetes@"+version).Output()
	if err != nil {
		return fmt.Errorf("download k8s.io/kubernetes@%s: %w", version, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(mod.Dir, "api", "openapi-spec", "swagger.json"))
	if err != nil {
		return err
	}
	var spec struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("swagger.json: %w", err)
	}
	dir := filepath.Join("deploy", "kubernetes", "schemas")
	reached := map[string]bool{}
	for _, name := range kinds {
		def, ok := spec.Definitions[name]
		if !ok {
			return fmt.Errorf("%s: no such definition in Kubernetes %s", name, version)
		}
		reach(spec.Definitions, name, reached)
		gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
		if len(gvks) != 1 {
			return fmt.Errorf("%s: want one group-version-kind, got %v", name, gvks)
		}
		gvk := gvks[0].(map[string]any)
		group, ver, kind := gvk["group"].(string), gvk["version"].(string), gvk["kind"].(string)
		apiVersion, suffix := ver, "-"+ver
		if group != "" {
			apiVersion = group + "/" + ver
			suffix = "-" + strings.Split(group, ".")[0] + "-" + ver
		}
		// The kind's file pins apiVersion and kind, and refers to the
		// definition for the rest.
		doc := map[string]any{
			"$schema":  "http://json-schema.org/draft-04/schema#",
			"allOf":    []any{map[string]any{"$ref": "_definitions.json#/definitions/" + name}},
			"required": []any{"apiVersion", "kind"},
			"properties": map[string]any{
				"apiVersion": map[string]any{"enum": []any{apiVersion}},
				"kind":       map[string]any{"enum": []any{kind}},
			},
		}
		if err := write(filepath.Join(dir, strings.ToLower(kind)+suffix+".json"), doc); err != nil {
			return err
		}
	}
	defs := map[string]any{}
	for name := range reached {
		defs[name] = strict(spec.Definitions[name], name)
	}
	return write(filepath.Join(dir, "_definitions.json"), map[string]any{
		"description": "Kubernetes " + version + " API definitions used by quizbot's manifests (deploy/kubernetes/schemas/gen.go)",
		"definitions": defs,
	})
}

// reach adds name and every definition it refers to, transitively.
func reach(defs map[string]map[string]any, name string, seen map[string]bool) {
	if seen[name] {
		return
	}
	seen[name] = true
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				reach(defs, strings.TrimPrefix(ref, "#/definitions/"), seen)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(defs[name])
}

// strict returns a definition as kubeconform's strict schemas have it.
func strict(def map[string]any, name string) any {
	switch {
	case def["format"] == "int-or-string":
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
	case name == "io.k8s.apimachinery.pkg.api.resource.Quantity":
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}
	}
	return clean(def)
}

// clean drops descriptions and OpenAPI extensions, points references at
// this file's definitions, and closes every object that declares properties.
func clean(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			switch {
			case k == "description" || strings.HasPrefix(k, "x-kubernetes-"):
			case k == "properties":
				props := map[string]any{}
				for p, s := range x.(map[string]any) {
					props[p] = clean(s)
				}
				out[k] = props
			case k == "$ref":
				out[k] = "#/definitions/" + strings.TrimPrefix(x.(string), "#/definitions/")
			default:
				out[k] = clean(x)
			}
		}
		if _, ok := out["properties"]; ok {
			if _, open := out["additionalProperties"]; !open {
				out["additionalProperties"] = false
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = clean(x)
		}
		return out
	}
	return v
}

func write(path string, doc any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
