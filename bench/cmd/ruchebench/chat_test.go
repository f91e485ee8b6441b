package main

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHistBuckets(t *testing.T) {
	// Every value falls in a bucket whose middle is within 1.6 % of it,
	// and buckets are in order.
	prev := -1
	for _, v := range []int64{0, 1, 127, 128, 129, 255, 256, 1000, 12345, 999_999, 1 << 30, 1<<46 + 12345} {
		i := bucket(v)
		if i < prev || i >= histBuckets {
			t.Fatalf("bucket(%d) = %d after %d", v, i, prev)
		}
		prev = i
		mid := bucketValue(i)
		if d := float64(mid-v) / float64(max(v, 1)); d > 0.016 || d < -0.016 {
			t.Errorf("bucket(%d) = %d, middle %d: %.1f %% off", v, i, mid, 100*d)
		}
	}
	if bucket(-5) != 0 || bucket(1<<62) != histBuckets-1 {
		t.Error("out-of-range values are not clamped")
	}
}

func TestHistQuantiles(t *testing.T) {
	var h hist
	if h.Quantile(0.5) != 0 || h.Count() != 0 {
		t.Fatal("an empty histogram has values")
	}
	rnd := rand.New(rand.NewPCG(1, 1))
	var xs []time.Duration
	for range 100_000 {
		d := time.Duration(rnd.ExpFloat64() * float64(5*time.Millisecond))
		xs = append(xs, d)
		h.Record(d)
	}
	slices.Sort(xs)
	for _, q := range []float64{0.5, 0.95, 0.99} {
		exact := xs[int(q*float64(len(xs)))-1]
		got := h.Quantile(q)
		if d := float64(got-exact) / float64(exact); d > 0.02 || d < -0.02 {
			t.Errorf("p%g = %s, exact %s", 100*q, got, exact)
		}
	}
	if h.Max() != xs[len(xs)-1] || h.Quantile(1) != h.Max() {
		t.Errorf("max %s, want %s", h.Max(), xs[len(xs)-1])
	}
}

func TestSentAt(t *testing.T) {
	msg := message(1764428400123456789, 3, 4)
	if !strings.Contains(msg, "rbt=1764428400123456789)") {
		t.Fatalf("message %q does not carry its send time", msg)
	}
	frame := []byte(`{"id":42,"type":"post.created","team_id":1,"channel_id":3,"data":{"id":7,"message":"` + msg +
		`","html":"<p>` + msg + `</p>"}}`)
	if got := sentAt(frame); got != 1764428400123456789 {
		t.Errorf("sentAt = %d", got)
	}
	for _, f := range []string{
		`{"type":"hello","event_id":3,"user_id":1}`,
		`{"id":43,"type":"post.edited","data":{"message":"rbt=1764428400123456789"}}`,
		`{"id":44,"type":"post.created","data":{"message":"no time"}}`,
	} {
		if got := sentAt([]byte(f)); got != 0 {
			t.Errorf("sentAt(%s) = %d, want 0", f, got)
		}
	}
}

func TestFlagLists(t *testing.T) {
	var f floatList
	if err := f.Set("0, 40,2.5"); err != nil || !slices.Equal(f, floatList{0, 40, 2.5}) || f.String() != "0,40,2.5" {
		t.Errorf("floatList: %v %v", f, err)
	}
	if err := f.Set(""); err != nil || len(f) != 0 {
		t.Errorf("empty floatList: %v %v", f, err)
	}
	var n intList
	if err := n.Set("10_000,1000000"); err != nil || !slices.Equal(n, intList{10_000, 1_000_000}) {
		t.Errorf("intList: %v %v", n, err)
	}
	if err := n.Set("x"); err == nil {
		t.Error("intList accepted x")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1_000_000: "1,000,000", -12345: "-12,345"} {
		if got := thousands64(n); got != want {
			t.Errorf("thousands64(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSourceAddress(t *testing.T) {
	seen := map[string]int{}
	for i := range 1000 {
		seen[sourceAddress(i)]++
	}
	for a, n := range seen {
		if !strings.HasPrefix(a, "127.") || n > loginsPerAddress {
			t.Errorf("%s used %d times", a, n)
		}
	}
	if sourceAddress(0) != "127.0.0.2" {
		t.Errorf("first address %s", sourceAddress(0))
	}
}
