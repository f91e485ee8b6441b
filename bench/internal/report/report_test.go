package report

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestReplaceSection(t *testing.T) {
	const section = "## Foundation\n\nnew figures\n"
	tests := []struct {
		name, old, want string
	}{
		{"missing file", "", "# Benchmarks\n\n## Foundation\n\nnew figures\n"},
		{"appended", "# Benchmarks\n\nintro\n", "# Benchmarks\n\nintro\n\n## Foundation\n\nnew figures\n"},
		{"replaced at the end", "# B\n\nintro\n\n## Foundation\n\nold\n\n### Startup\n\nold too\n",
			"# B\n\nintro\n\n## Foundation\n\nnew figures\n"},
		{"replaced, later sections kept", "# B\n\n## Foundation\n\nold\n\n## Chat\n\nchat figures\n",
			"# B\n\n## Foundation\n\nnew figures\n\n## Chat\n\nchat figures\n"},
		{"earlier sections kept", "# B\n\n## Chat\n\nchat\n\n## Foundation\n\nold\n",
			"# B\n\n## Chat\n\nchat\n\n## Foundation\n\nnew figures\n"},
		{"a heading inside a code block is not a section", "# B\n\n## Foundation\n\nold\n```\n## Chat\n```\nold\n\n## Notes\n\nkept\n",
			"# B\n\n## Foundation\n\nnew figures\n\n## Notes\n\nkept\n"},
		{"a longer heading is another section", "# B\n\n## Foundation: analysis\n\nkept\n",
			"# B\n\n## Foundation: analysis\n\nkept\n\n## Foundation\n\nnew figures\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "benchmarks.md")
			if tt.old != "" {
				if err := os.WriteFile(path, []byte(tt.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := ReplaceSection(path, "## Foundation", section); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
	if err := ReplaceSection(filepath.Join(t.TempDir(), "x.md"), "## Foundation", "## Chat\n"); err == nil {
		t.Error("a body that does not start with its heading was accepted")
	}
}

func TestSpreadOf(t *testing.T) {
	tests := []struct {
		in   []time.Duration
		want Spread[time.Duration]
	}{
		{[]time.Duration{5}, Spread[time.Duration]{5, 5, 5}},
		{[]time.Duration{9, 1, 5}, Spread[time.Duration]{1, 5, 9}},
		{[]time.Duration{4, 1, 3, 2}, Spread[time.Duration]{1, 2, 4}}, // lower middle: a value seen
		{nil, Spread[time.Duration]{}},
	}
	for _, tt := range tests {
		if got := SpreadOf(tt.in); got != tt.want {
			t.Errorf("SpreadOf(%v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
