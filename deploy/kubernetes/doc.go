// Package kubernetes holds quizbot's Kubernetes manifests (base/, a
// kustomize base, and overlays/example/) and the test that renders them
// with kustomize and validates them with kubeconform against the schemas
// vendored in schemas/, offline. No Go code of quizbot's lives here.
package kubernetes
