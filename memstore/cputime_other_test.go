//go:build !unix

package memstore_test

import "time"

// cpuTime reports that the process's CPU time is not known here.
func cpuTime() (time.Duration, bool) { return 0, false }
