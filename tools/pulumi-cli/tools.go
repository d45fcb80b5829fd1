//go:build tools

// Package tools pins the Pulumi CLI's main package for scripts/pulumi-cli.sh; it is never compiled into anything.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
