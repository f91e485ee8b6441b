package access

import (
	"sort"
	"strings"
	"testing"

	"ruche/internal/model"
)

// TestChatMatrix gives, for each resource as a relation to the actor, the
// complete list of (role, action) pairs allowed; every other pair of the
// roles × actions below must be refused.
func TestChatMatrix(t *testing.T) {
	roles := map[string]Actor{
		"guest":  {UserID: 1, Role: model.RoleGuest},
		"member": {UserID: 1, Role: model.RoleMember},
		"admin":  {UserID: 1, Role: model.RoleAdmin},
	}
	teamActs := []Action{CreateTeam, ViewTeam, JoinTeam, LeaveTeam, ManageTeam, InviteTeam, CreateChannel, ManageRetention}
	chanActs := []Action{ReadChannel, JoinChannel, PostChannel, LeaveChannel, AddToChannel, ManageChannel, HookChannel, ManageRetention}
	postActs := []Action{EditPost, DeletePost}

	openTeam := Team{ID: 1, Open: true}
	memberOf := Team{ID: 1, Member: true}
	adminOf := Team{ID: 1, Member: true, Admin: true}
	pub := func(t Team, member, admin, archived bool) Channel {
		return Channel{ID: 5, Kind: model.ChannelPublic, Team: t, Member: member, Admin: admin, Archived: archived}
	}
	priv := func(t Team, member, admin bool) Channel {
		return Channel{ID: 6, Kind: model.ChannelPrivate, Team: t, Member: member, Admin: admin}
	}
	direct := Channel{ID: 7, Kind: model.ChannelDirect, Member: true}

	rows := []struct {
		name  string
		res   any
		acts  []Action
		allow string // "role:action" pairs, space separated
	}{
		{"closed team, not a member", Team{ID: 1}, teamActs,
			"member:team.create admin:team.create admin:team.view admin:team.join admin:team.manage admin:team.invite admin:retention.manage"},
		{"open team, not a member", openTeam, teamActs,
			"member:team.create member:team.view member:team.join admin:team.create admin:team.view admin:team.join admin:team.manage admin:team.invite admin:retention.manage"},
		{"archived open team", Team{ID: 1, Open: true, Archived: true}, []Action{JoinTeam, CreateChannel}, ""},
		{"team member", memberOf, teamActs,
			"guest:team.leave member:team.create member:team.view member:team.leave member:channel.create " +
				"admin:team.create admin:team.view admin:team.leave admin:team.manage admin:team.invite admin:channel.create admin:retention.manage"},
		{"team admin", adminOf, teamActs,
			"guest:team.leave member:team.create member:team.view member:team.leave member:team.manage member:team.invite member:channel.create " +
				"admin:team.create admin:team.view admin:team.leave admin:team.manage admin:team.invite admin:channel.create admin:retention.manage"},

		{"public channel of my team, not joined", pub(memberOf, false, false, false), chanActs,
			"member:channel.read member:channel.join admin:channel.read admin:channel.join admin:channel.add admin:channel.manage admin:channel.hooks admin:retention.manage"},
		{"public channel of another team", pub(Team{ID: 2}, false, false, false), chanActs,
			"admin:channel.read admin:channel.join admin:channel.add admin:channel.manage admin:channel.hooks admin:retention.manage"},
		{"public channel, member", pub(memberOf, true, false, false), chanActs,
			"guest:channel.read guest:channel.post guest:channel.leave " +
				"member:channel.read member:channel.post member:channel.leave member:channel.add " +
				"admin:channel.read admin:channel.post admin:channel.leave admin:channel.add admin:channel.manage admin:channel.hooks admin:retention.manage"},
		{"public channel, channel admin", pub(memberOf, true, true, false), chanActs,
			"guest:channel.read guest:channel.post guest:channel.leave " +
				"member:channel.read member:channel.post member:channel.leave member:channel.add member:channel.manage member:channel.hooks " +
				"admin:channel.read admin:channel.post admin:channel.leave admin:channel.add admin:channel.manage admin:channel.hooks admin:retention.manage"},
		{"archived public channel, member", pub(memberOf, true, false, true), chanActs,
			"guest:channel.read guest:channel.leave member:channel.read member:channel.leave " +
				"admin:channel.read admin:channel.leave admin:channel.manage admin:channel.hooks admin:retention.manage"},
		{"private channel of my team, not a member", priv(memberOf, false, false), chanActs, "admin:channel.add admin:channel.manage admin:channel.hooks admin:retention.manage"},
		{"private channel as team admin, not a member", priv(adminOf, false, false), chanActs,
			"member:channel.add member:channel.manage member:channel.hooks admin:channel.add admin:channel.manage admin:channel.hooks admin:retention.manage"},
		{"private channel, member", priv(memberOf, true, false), chanActs,
			"guest:channel.read guest:channel.post guest:channel.leave member:channel.read member:channel.post member:channel.leave " +
				"admin:channel.read admin:channel.post admin:channel.leave admin:channel.add admin:channel.manage admin:channel.hooks admin:retention.manage"},
		{"direct message, member", direct, chanActs,
			"guest:channel.read guest:channel.post member:channel.read member:channel.post admin:channel.read admin:channel.post admin:retention.manage"},
		{"direct message, not a member", Channel{ID: 7, Kind: model.ChannelDirect}, chanActs, "admin:retention.manage"},

		{"own post", Post{Channel: pub(memberOf, true, false, false), AuthorID: 1}, postActs,
			"guest:post.edit guest:post.delete member:post.edit member:post.delete admin:post.edit admin:post.delete"},
		{"own post, channel left", Post{Channel: pub(memberOf, false, false, false), AuthorID: 1}, postActs, "admin:post.delete"},
		{"own post, archived channel", Post{Channel: pub(memberOf, true, false, true), AuthorID: 1}, postActs, "admin:post.delete"},
		{"another's post", Post{Channel: pub(memberOf, true, false, false), AuthorID: 2}, postActs, "admin:post.delete"},
		{"another's post, channel admin", Post{Channel: pub(memberOf, true, true, false), AuthorID: 2}, postActs, "member:post.delete admin:post.delete"},
		{"another's post in a direct message", Post{Channel: direct, AuthorID: 2}, postActs, ""},

		{"peer sharing a channel", Peer{ID: 2, SharesChannel: true}, []Action{CreateDirect, SeePresence, ReadChannel},
			"guest:direct.create guest:presence.see member:direct.create member:presence.see admin:direct.create admin:presence.see"},
		{"peer sharing no channel", Peer{ID: 2}, []Action{CreateDirect, SeePresence}, "member:direct.create member:presence.see admin:direct.create admin:presence.see"},
		{"disabled peer", Peer{ID: 2, SharesChannel: true, Disabled: true}, []Action{CreateDirect}, ""},
		{"oneself", Peer{ID: 1}, []Action{SeePresence}, "guest:presence.see member:presence.see admin:presence.see"},
		{"nobody", Peer{}, []Action{SeePresence}, ""},
	}
	for _, r := range rows {
		var got []string
		for role, actor := range roles {
			for _, act := range r.acts {
				if Check(actor, act, r.res) == nil {
					got = append(got, role+":"+string(act))
				}
			}
			for _, act := range r.acts {
				if Check(Anonymous, act, r.res) == nil {
					t.Errorf("%s: anonymous may %s", r.name, act)
				}
			}
		}
		want := strings.Fields(r.allow)
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s:\n got  %v\n want %v", r.name, got, want)
		}
	}
}
