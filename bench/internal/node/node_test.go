package node

import (
	"os"
	"testing"
)

func TestReadStatus(t *testing.T) {
	s, err := ReadStatus(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// A running Go test has some resident memory, at least as much at its
	// peak, and its RSS is the sum of its parts (give or take the kernel's
	// per-CPU counters).
	if s.VmRSS <= 0 || s.VmHWM < s.VmRSS || s.Threads < 1 {
		t.Errorf("implausible status: %+v", s)
	}
	if sum := s.RssAnon + s.RssFile + s.RssShmem; sum < s.VmRSS/2 || sum > s.VmRSS*2 {
		t.Errorf("RssAnon+RssFile+RssShmem = %d, VmRSS = %d", sum, s.VmRSS)
	}
	if _, err := ReadStatus(-1); err == nil {
		t.Error("no error for a process that cannot exist")
	}
}

func TestReadCPU(t *testing.T) {
	before, err := ReadCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	after, err := ReadCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after.Run <= before.Run || x == 0 {
		t.Errorf("no CPU time counted for a busy loop: before %+v, after %+v", before, after)
	}
}

func TestReadTimes(t *testing.T) {
	before, err := ReadTimes(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for i := range 200_000_000 {
		x += i % 7
	}
	after, err := ReadTimes(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d := after.Sub(before); d.Total() <= 0 || d.User < 0 || d.System < 0 || x == 0 {
		t.Errorf("no CPU time counted for a busy loop: before %+v, after %+v", before, after)
	}
	if _, err := ReadTimes(-1); err == nil {
		t.Error("no error for a process that cannot exist")
	}
}
