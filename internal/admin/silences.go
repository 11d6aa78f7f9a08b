package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/newswatch/newswatch/internal/store"
)

// Mutes and snoozes (see package silence): the status page lists those in
// force, each with an undo, the one write the admin server offers. Undo is
// a POST behind the token, from the page itself only (cross-origin
// requests are refused, so that another site open in the same browser
// cannot submit it).

// silenceRow is one mute or snooze on the page.
type silenceRow struct {
	ID    int64
	Kind  string // "mute" or "snooze"
	What  string // the story's title, or the rule
	Where string // notifier and channel
	By    string
	Since stamp
	Until stamp // zero for a mute: as long as its story
}

// maxSilences bounds the silences listed.
const maxSilences = 200

func (s *Server) fillSilences(ctx context.Context, v *statusView, now time.Time) error {
	list, err := s.Store.Silences(ctx, store.SilenceFilter{ActiveAt: now, Limit: maxSilences})
	if err != nil {
		return err
	}
	loc := s.location()
	for _, sl := range list {
		row := silenceRow{ID: sl.ID, Kind: string(sl.Kind), Where: sl.Notifier, By: clean(sl.CreatedBy, 100),
			Since: newStamp(sl.CreatedAt, now, loc), Until: newStamp(sl.Until, now, loc)}
		if sl.Channel != "" {
			row.Where += " " + sl.Channel
		}
		if sl.Kind == store.SilenceMute {
			row.What = clean(sl.Title, 200)
			if row.What == "" {
				row.What = "story " + strconv.FormatInt(sl.StoryID, 10)
			}
		} else {
			row.What = "rule " + sl.Rule
		}
		v.Silences = append(v.Silences, row)
	}
	return nil
}

// removeSilence ends a silence (POST /silences/{id}/remove) and goes back
// to the page.
func (s *Server) removeSilence(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, "400 Bad Request: not a silence ID", http.StatusBadRequest)
		return
	}
	by := "status page"
	if user, _, ok := r.BasicAuth(); ok && user != "" {
		by += " (" + clean(user, 60) + ")"
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	_, released, err := s.Silences.Remove(ctx, id, by, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, "404 Not Found: no such mute or snooze", http.StatusNotFound)
		return
	case errors.Is(err, store.ErrSilenceEnded):
		// Undone by someone else, or over: the page shows it gone.
	case err != nil:
		s.logger().Error("admin: undo a silence", "silence_id", id, "error", err)
		http.Error(w, "500 Internal Server Error: "+err.Error(), http.StatusInternalServerError)
		return
	default:
		s.logger().Info("admin: silence undone from the status page", "silence_id", id, "by", by, "released_alerts", released)
	}
	http.Redirect(w, r, "/#silences", http.StatusSeeOther)
}
