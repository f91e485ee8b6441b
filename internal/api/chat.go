package api

import (
	"net/http"
	"strconv"

	"ruche/internal/auth"
	"ruche/internal/chat"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

func (a *API) chatRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/teams", a.signedIn(a.teams))
	mux.Handle("POST /api/v1/teams", a.signedIn(a.createTeam))
	mux.Handle("GET /api/v1/teams/{team}", a.signedIn(a.team))
	mux.Handle("PATCH /api/v1/teams/{team}", a.signedIn(a.updateTeam))
	mux.Handle("POST /api/v1/teams/{team}/join", a.signedIn(a.joinTeam))
	mux.Handle("POST /api/v1/teams/{team}/members", a.signedIn(a.addTeamMember))
	mux.Handle("DELETE /api/v1/teams/{team}/members/{user}", a.signedIn(a.removeTeamMember))
	mux.Handle("GET /api/v1/teams/{team}/channels", a.signedIn(a.teamChannels))
	mux.Handle("POST /api/v1/teams/{team}/channels", a.signedIn(a.createChannel))

	mux.Handle("GET /api/v1/channels", a.signedIn(a.sidebar))
	mux.Handle("POST /api/v1/channels/direct", a.signedIn(a.openDirect))
	mux.Handle("GET /api/v1/channels/{channel}", a.signedIn(a.channel))
	mux.Handle("PATCH /api/v1/channels/{channel}", a.signedIn(a.updateChannel))
	mux.Handle("GET /api/v1/channels/{channel}/members", a.signedIn(a.channelMembers))
	mux.Handle("POST /api/v1/channels/{channel}/members", a.signedIn(a.addChannelMember))
	mux.Handle("DELETE /api/v1/channels/{channel}/members/{user}", a.signedIn(a.removeChannelMember))
	mux.Handle("PATCH /api/v1/channels/{channel}/members/me", a.signedIn(a.memberPrefs))
	mux.Handle("POST /api/v1/channels/{channel}/read", a.signedIn(a.markRead))
	mux.Handle("GET /api/v1/channels/{channel}/posts", a.signedIn(a.posts))
	mux.Handle("POST /api/v1/channels/{channel}/posts", a.signedIn(a.createPost))

	mux.Handle("GET /api/v1/posts/{post}/thread", a.signedIn(a.thread))
	mux.Handle("GET /api/v1/posts/{post}/history", a.signedIn(a.postHistory))
	mux.Handle("PATCH /api/v1/posts/{post}", a.signedIn(a.editPost))
	mux.Handle("DELETE /api/v1/posts/{post}", a.signedIn(a.deletePost))
	mux.Handle("PUT /api/v1/posts/{post}/reactions/{emoji}", a.signedIn(a.react))
	mux.Handle("DELETE /api/v1/posts/{post}/reactions/{emoji}", a.signedIn(a.unreact))
}

func (a *API) teams(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	t, err := a.Chat.Teams(r.Context(), p.Actor())
	if err != nil {
		return err
	}
	return ok(w, list(t))
}

func (a *API) createTeam(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req chat.NewTeam
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	t, err := a.Chat.CreateTeam(r.Context(), p.Actor(), req)
	if err != nil {
		return err
	}
	return created(w, t)
}

func (a *API) team(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	t, err := a.Chat.Team(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	return ok(w, t)
}

func (a *API) updateTeam(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	var up chat.TeamUpdate
	if err := httpx.DecodeJSON(w, r, &up, 0); err != nil {
		return err
	}
	t, err := a.Chat.UpdateTeam(r.Context(), p.Actor(), id, up)
	if err != nil {
		return err
	}
	return ok(w, t)
}

func (a *API) joinTeam(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	if err := a.Chat.JoinTeam(r.Context(), p.Actor(), id); err != nil {
		return err
	}
	return noContent(w)
}

type memberRequest struct {
	UserID int64 `json:"user_id"`
	Admin  bool  `json:"admin"`
}

func (a *API) addTeamMember(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	var req memberRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	if err := a.Chat.AddTeamMember(r.Context(), p.Actor(), id, req.UserID, req.Admin); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) removeTeamMember(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	uid, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := a.Chat.RemoveTeamMember(r.Context(), p.Actor(), id, uid); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) teamChannels(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	c, err := a.Chat.TeamChannels(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	return ok(w, list(c))
}

func (a *API) createChannel(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	var req chat.NewChannel
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	c, err := a.Chat.CreateChannel(r.Context(), p.Actor(), id, req)
	if err != nil {
		return err
	}
	return created(w, c)
}

func (a *API) sidebar(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	s, err := a.Chat.Sidebar(r.Context(), p.Actor())
	if err != nil {
		return err
	}
	return ok(w, list(s))
}

type directRequest struct {
	UserIDs []int64 `json:"user_ids"`
}

func (a *API) openDirect(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req directRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	if len(req.UserIDs) > chat.MaxGroupSize {
		return &model.InvalidError{Field: "user_ids", Reason: "too many people", Key: "err.group_size"}
	}
	c, err := a.Chat.OpenDirect(r.Context(), p.Actor(), req.UserIDs)
	if err != nil {
		return err
	}
	return ok(w, c)
}

func (a *API) channel(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	c, err := a.Chat.Channel(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	return ok(w, c)
}

func (a *API) updateChannel(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	var up chat.ChannelUpdate
	if err := httpx.DecodeJSON(w, r, &up, 0); err != nil {
		return err
	}
	c, err := a.Chat.UpdateChannel(r.Context(), p.Actor(), id, up)
	if err != nil {
		return err
	}
	return ok(w, c)
}

func (a *API) addChannelMember(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	var req memberRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	if err := a.Chat.AddChannelMember(r.Context(), p.Actor(), id, req.UserID); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) removeChannelMember(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	uid, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := a.Chat.RemoveChannelMember(r.Context(), p.Actor(), id, uid); err != nil {
		return err
	}
	return noContent(w)
}

type readRequest struct {
	PostID int64 `json:"post_id"`
	Unread bool  `json:"unread"`
}

func (a *API) markRead(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	var req readRequest
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
			return err
		}
	}
	if err := a.Chat.MarkRead(r.Context(), p.Actor(), id, req.PostID, req.Unread); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) posts(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var before int64
	limit := 60
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 0 {
			return &model.InvalidError{Field: "before", Reason: "must be a post id", Key: "err.body"}
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > chat.MaxPage {
			return &model.InvalidError{Field: "limit", Reason: "must be 1 to 200", Key: "err.body"}
		}
	}
	posts, err := a.Chat.Posts(r.Context(), p.Actor(), id, before, limit)
	if err != nil {
		return err
	}
	return ok(w, list(posts))
}

func (a *API) createPost(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	var req chat.NewPost
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	post, err := a.Chat.CreatePost(r.Context(), p.Actor(), id, req)
	if err != nil {
		return err
	}
	return created(w, post)
}

func (a *API) thread(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "post")
	if err != nil {
		return err
	}
	posts, err := a.Chat.Thread(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	following, err := a.Chat.Following(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	if posts == nil {
		posts = []chat.PostView{}
	}
	return ok(w, threadResponse{Items: posts, Following: following})
}

func (a *API) postHistory(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "post")
	if err != nil {
		return err
	}
	h, err := a.Chat.PostHistory(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	return ok(w, list(h))
}

type editRequest struct {
	Message string `json:"message"`
}

func (a *API) editPost(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "post")
	if err != nil {
		return err
	}
	var req editRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	post, err := a.Chat.EditPost(r.Context(), p.Actor(), id, req.Message)
	if err != nil {
		return err
	}
	return ok(w, post)
}

func (a *API) deletePost(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "post")
	if err != nil {
		return err
	}
	if err := a.Chat.DeletePost(r.Context(), p.Actor(), id); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) react(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.reaction(w, r, p, false)
}

func (a *API) unreact(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.reaction(w, r, p, true)
}

func (a *API) reaction(w http.ResponseWriter, r *http.Request, p auth.Principal, remove bool) error {
	id, err := pathID(r, "post")
	if err != nil {
		return err
	}
	if err := a.Chat.React(r.Context(), p.Actor(), id, r.PathValue("emoji"), remove); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) memberPrefs(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	var req chat.MemberPrefs
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	m, err := a.Chat.SetMemberPrefs(r.Context(), p.Actor(), id, req)
	if err != nil {
		return err
	}
	return ok(w, m)
}

func (a *API) channelMembers(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	m, err := a.Chat.Members(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	return ok(w, list(m))
}

type threadResponse struct {
	Items     []chat.PostView `json:"items"`
	Following bool            `json:"following"`
}
