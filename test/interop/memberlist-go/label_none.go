//go:build !memberlist_label

package main

import (
	"errors"

	"github.com/hashicorp/memberlist"
)

// applyLabel: memberlist < 0.3 has no labels.
func applyLabel(_ *memberlist.Config, label string) error {
	if label != "" {
		return errors.New("this build has no label support (memberlist < 0.3)")
	}
	return nil
}
