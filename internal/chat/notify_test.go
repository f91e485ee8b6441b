package chat

import (
	"fmt"
	"testing"

	"ruche/internal/model"
)

func TestWhom(t *testing.T) {
	team := model.Channel{Kind: model.ChannelPublic}
	direct := model.Channel{Kind: model.ChannelDirect}
	m := func(id int64, level model.NotifyLevel, muted bool) model.ChannelMember {
		return model.ChannelMember{UserID: id, Notify: level, Muted: muted}
	}
	members := []model.ChannelMember{
		m(1, model.NotifyDefault, false),  // the author
		m(2, model.NotifyDefault, false),  // default
		m(3, model.NotifyAll, false),      // everything
		m(4, model.NotifyNone, false),     // nothing
		m(5, model.NotifyDefault, true),   // muted
		m(6, model.NotifyMentions, false), // mentions
	}
	for _, tc := range []struct {
		name              string
		c                 model.Channel
		mentioned, byName []int64
		want              string
	}{
		{"plain post in a team channel", team, nil, nil, "map[3:all]"},
		{"@channel", team, []int64{2, 3, 4, 5, 6}, nil, "map[2:mention 3:mention 6:mention]"},
		{"by name", team, []int64{2, 5}, []int64{2, 5}, "map[2:mention 3:all 5:mention]"},
		{"direct message", direct, nil, nil, "map[2:direct 3:direct 6:direct]"[:0] + "map[2:direct 3:direct]"},
	} {
		got := fmt.Sprint(whom(tc.c, 1, members, tc.mentioned, tc.byName))
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
