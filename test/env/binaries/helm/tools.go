//go:build tools

// Package tools pins the helm CLI used to lint the chart and render deploy/.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
