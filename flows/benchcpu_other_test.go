//go:build !unix

package flows_test

// processCPU is unknown here: the benchmarks report no CPU time.
func processCPU() int64 { return 0 }
