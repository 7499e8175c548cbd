//go:build tools

// Package tools pins the etcd server the local test environment runs.
package tools

import _ "go.etcd.io/etcd/server/v3"
