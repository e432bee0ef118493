//go:build unix

package flows_test

import "syscall"

// processCPU is the CPU time the process has used, user and system, in nanoseconds: on a
// machine shared with other work, CPU time per request moves less than wall time.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
