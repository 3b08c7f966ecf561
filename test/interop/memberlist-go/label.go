//go:build memberlist_label

package main

import "github.com/hashicorp/memberlist"

// applyLabel sets the packet/stream label (memberlist >= 0.3 only; build with -tags memberlist_label).
func applyLabel(cfg *memberlist.Config, label string) error {
	cfg.Label = label
	return nil
}
