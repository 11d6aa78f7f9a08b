package replica

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/newswatch/newswatch/internal/store"
)

// View is the cluster as the status page and the metrics show it: the
// replicas, the leases and who holds them, and which replica claims and
// last polled how many feeds.
type View struct {
	// Self is the replica that looked.
	Self     string
	Replicas []ReplicaView
	// Leases are the leases held now, by name.
	Leases []store.Lease
	// Disagree is set when replicas alive now run different
	// configuration files or rules (their hashes differ).
	Disagree bool
}

// ReplicaView is one replica in a View.
type ReplicaView struct {
	store.Replica
	// Alive is set while the replica beats: seen within a lease, and not
	// stopped.
	Alive bool
	// Leases names the leases it holds now.
	Leases []string
	// Claimed is how many feeds it claims now; Polled how many feeds it
	// polled last.
	Claimed, Polled int
}

// Look reads the cluster from st at now, for the replica self: a replica
// is alive when it beat within lease (it beats every third of it).
func Look(ctx context.Context, st *store.Store, self string, now time.Time, lease time.Duration) (*View, error) {
	replicas, err := st.Replicas(ctx)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	leases, err := st.Leases(ctx)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	claims, err := st.ClaimCounts(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	feeds, err := st.Feeds(ctx)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	polled := map[string]int{}
	for _, f := range feeds {
		if f.PolledBy != "" {
			polled[f.PolledBy]++
		}
	}
	v := &View{Self: self}
	held := map[string][]string{}
	for _, l := range leases {
		if l.Expires.After(now) {
			v.Leases = append(v.Leases, l)
			held[l.Holder] = append(held[l.Holder], l.Name)
		}
	}
	var configs, rules []string
	for _, r := range replicas {
		rv := ReplicaView{Replica: r, Leases: held[r.ID], Claimed: claims[r.ID], Polled: polled[r.ID],
			Alive: alive(r, now, lease)}
		if rv.Alive {
			configs = append(configs, r.ConfigHash)
			rules = append(rules, r.RulesHash)
		}
		v.Replicas = append(v.Replicas, rv)
	}
	v.Disagree = len(slices.Compact(slices.Sorted(slices.Values(configs)))) > 1 ||
		len(slices.Compact(slices.Sorted(slices.Values(rules)))) > 1
	return v, nil
}
