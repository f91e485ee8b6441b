package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"ruche/internal/access"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

// Admin → Retention: how long the chat keeps messages, per team or per
// channel. The chat service decides who may see and change the policies.

// retentionRow is a policy as the table shows it.
type retentionRow struct {
	Target  string // "team:1" or "channel:2", what the remove form sends
	Team    string // the team's name (the channel's team for a channel)
	Channel string // the channel's name; "" for a team's policy
	Days    int
}

// retentionOption is a team or a channel the form offers.
type retentionOption struct {
	Value, Label string
}

// retentionGroup is a team and its channels, an <optgroup>.
type retentionGroup struct {
	Team    string
	Options []retentionOption
}

type retentionPage struct {
	base
	Policies []retentionRow
	Groups   []retentionGroup
	Target   string // the form's choice, kept on errors
	Days     string
}

// retentionPage lists the policies and the teams and channels they may be
// set on: the teams the admin sees, their public channels and the private
// ones the admin is in. A policy on something the admin cannot see is
// still listed, by its number.
func (h *Handler) retentionPage(r *http.Request, target, days string) (*retentionPage, error) {
	if err := adminOnly(r, access.ManageRetention, access.Team{}); err != nil {
		return nil, err
	}
	ctx, actor := r.Context(), httpx.Actor(r)
	policies, err := h.chat.RetentionPolicies(ctx, actor)
	if err != nil {
		return nil, err
	}
	teams, err := h.chat.Teams(ctx, actor)
	if err != nil {
		return nil, err
	}
	side, err := h.chat.Sidebar(ctx, actor)
	if err != nil {
		return nil, err
	}
	lang := h.lang(r)
	teamNames := map[int64]string{}
	channels := map[int64]model.Channel{}
	pg := &retentionPage{base: base{Nav: "admin", Sub: "retention"}, Target: target, Days: days}
	for _, t := range teams {
		teamNames[t.ID] = t.DisplayName
		public, err := h.chat.TeamChannels(ctx, actor, t.ID)
		if err != nil {
			return nil, err
		}
		for _, s := range side {
			if s.Channel.TeamID == t.ID && !slices.ContainsFunc(public, func(c model.Channel) bool { return c.ID == s.Channel.ID }) {
				public = append(public, s.Channel)
			}
		}
		slices.SortFunc(public, func(a, b model.Channel) int { return cmp.Compare(a.Name, b.Name) })
		g := retentionGroup{Team: t.DisplayName, Options: []retentionOption{
			{Value: "team:" + strconv.FormatInt(t.ID, 10), Label: h.cat.T(lang, "admin.retention.whole_team", "team", t.DisplayName)}}}
		for _, c := range public {
			channels[c.ID] = c
			g.Options = append(g.Options, retentionOption{Value: "channel:" + strconv.FormatInt(c.ID, 10), Label: "~" + c.Name + " · " + c.DisplayName})
		}
		pg.Groups = append(pg.Groups, g)
	}
	for _, p := range policies {
		row := retentionRow{Days: p.Days}
		if p.TeamID != 0 {
			row.Target, row.Team = "team:"+strconv.FormatInt(p.TeamID, 10), h.teamName(ctx, r, teamNames, p.TeamID)
		} else {
			row.Target = "channel:" + strconv.FormatInt(p.ChannelID, 10)
			c, ok := channels[p.ChannelID]
			if !ok {
				if v, err := h.chat.Channel(ctx, actor, p.ChannelID); err == nil {
					c, ok = v.Channel, true
				}
			}
			if ok {
				row.Channel, row.Team = "~"+c.Name+" · "+c.DisplayName, h.teamName(ctx, r, teamNames, c.TeamID)
			} else {
				row.Channel = h.cat.T(lang, "admin.retention.channel_n", "n", p.ChannelID)
			}
		}
		pg.Policies = append(pg.Policies, row)
	}
	return pg, nil
}

// teamName names a team, asking the service for those not listed.
func (h *Handler) teamName(ctx context.Context, r *http.Request, names map[int64]string, id int64) string {
	if n, ok := names[id]; ok {
		return n
	}
	if t, err := h.chat.Team(ctx, httpx.Actor(r), id); err == nil {
		names[id] = t.DisplayName
		return t.DisplayName
	}
	return h.cat.T(h.lang(r), "admin.retention.team_n", "n", id)
}

func (h *Handler) adminRetention(w http.ResponseWriter, r *http.Request) error {
	pg, err := h.retentionPage(r, "", "90")
	if err != nil {
		return err
	}
	return h.render(w, r, "admin_retention.html", pg)
}

// retentionTarget reads "team:ID" or "channel:ID".
func retentionTarget(v string) (team, channel int64, err error) {
	kind, num, _ := strings.Cut(v, ":")
	id, perr := strconv.ParseInt(num, 10, 64)
	switch {
	case perr != nil || id <= 0:
	case kind == "team":
		return id, 0, nil
	case kind == "channel":
		return 0, id, nil
	}
	return 0, 0, &model.InvalidError{Field: "target", Reason: "choose a team or a channel", Key: "err.retention_target"}
}

func (h *Handler) setRetention(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedInForm(w, r); err != nil {
		return err
	}
	target, days := r.PostFormValue("target"), strings.TrimSpace(r.PostFormValue("days"))
	show := func() (page, error) { return h.retentionPage(r, target, days) }
	team, channel, err := retentionTarget(target)
	if err != nil {
		return again(err, "admin_retention.html", show)
	}
	n, err := strconv.Atoi(days)
	if err != nil || n < 1 {
		return again(&model.InvalidError{Field: "days", Reason: fmt.Sprintf("days must be a number from 1 to %d", maxRetentionDays), Key: "err.retention_days"},
			"admin_retention.html", show)
	}
	if err := h.chat.SetRetention(r.Context(), httpx.Actor(r), team, channel, n); err != nil {
		return again(err, "admin_retention.html", show)
	}
	return redirect(w, r, "/admin/retention?done=retention")
}

// maxRetentionDays is the longest policy the chat service takes (100 years).
const maxRetentionDays = 36500

func (h *Handler) removeRetention(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedInForm(w, r); err != nil {
		return err
	}
	team, channel, err := retentionTarget(r.PostFormValue("target"))
	if err != nil {
		return err
	}
	if err := h.chat.SetRetention(r.Context(), httpx.Actor(r), team, channel, 0); err != nil {
		return err
	}
	return redirect(w, r, "/admin/retention?done=retention_removed")
}
