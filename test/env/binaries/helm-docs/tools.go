//go:build tools

// Package tools pins helm-docs, which writes charts/switchyard/README.md from the chart's values and their comments.
package tools

import _ "github.com/norwoodj/helm-docs/cmd/helm-docs"
