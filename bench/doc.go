// Package bench holds Ruche's benchmarks: Go micro-benchmarks of the
// per-request hot path (hotpath_test.go, run with go test -bench) and, under
// cmd/ruchebench, the load tool that measures the whole system (startup,
// memory, bytes on the wire) and writes docs/benchmarks.md. Nothing here is
// imported by the product, and no test here asserts a time.
package bench
