//go:build tools

// Package tools pins the Kubernetes programs the local test environment runs.
// Nothing here is compiled; `go build k8s.io/kubernetes/cmd/...` builds the real programs
// from the module versions this go.mod pins.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
