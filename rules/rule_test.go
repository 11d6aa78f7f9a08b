package rules

import (
	"testing"
	"time"
)

func TestDigestSchedule(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		digest  string
		want    time.Time // zero: no schedule
		wantErr bool
	}{
		{digest: ""},
		{digest: "0 8 * * *", want: time.Date(2026, 12, 8, 8, 0, 0, 0, time.UTC)},
		{digest: "@daily", want: time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)},
		{digest: "*/15 * * * *", want: time.Date(2026, 12, 7, 9, 45, 0, 0, time.UTC)},
		// robfig/cron's own parser reads */61 as hourly; the rule file's
		// grammar refuses it, and so must the schedule notify reads.
		{digest: "*/61 * * * *", wantErr: true},
		{digest: "every morning", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.digest, func(t *testing.T) {
			r := &Rule{Name: "r", Digest: tt.digest}
			sched, err := r.DigestSchedule()
			if tt.wantErr {
				if err == nil {
					t.Fatalf("DigestSchedule() = %v, want an error", sched)
				}
				return
			}
			if err != nil {
				t.Fatalf("DigestSchedule(): %v", err)
			}
			if tt.want.IsZero() {
				if sched != nil {
					t.Fatalf("DigestSchedule() = %v, want none for an empty digest", sched)
				}
				return
			}
			if got := sched.Next(at); !got.Equal(tt.want) {
				t.Errorf("next after %v = %v, want %v", at, got, tt.want)
			}
		})
	}
}
