//go:build !(linux || darwin || freebsd)

package middleware

import "testing"

// reportCPU reports nothing where the process's CPU time is not read (see the Unix
// version).
func reportCPU(*testing.B) (stop func()) { return func() {} }
