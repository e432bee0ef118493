//go:build linux || darwin || freebsd

package middleware

import (
	"syscall"
	"testing"
)

// reportCPU starts measuring the CPU time of the whole process (every goroutine, the
// garbage collector's included); the function it returns reports it per operation as
// cpu-ns/op. On a machine shared with other work, which stretches wall-clock time but
// not CPU time, it is the steadier measure.
func reportCPU(b *testing.B) (stop func()) {
	start := processCPU()
	return func() { b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op") }
}

func processCPU() int64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return u.Utime.Nano() + u.Stime.Nano()
}
