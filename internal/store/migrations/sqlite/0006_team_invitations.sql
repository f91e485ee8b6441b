-- Invitations into a team: created by a team admin, accepting joins the team.
ALTER TABLE invitations ADD COLUMN team_id INTEGER REFERENCES teams (id) ON DELETE CASCADE;
