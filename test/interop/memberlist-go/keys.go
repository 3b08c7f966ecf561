package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/hashicorp/memberlist"
)

// The two ways MetalLB turns its Secret into the memberlist key.
var derivations = []string{"metallb-v0.16.2", "metallb-legacy"}

func deriveKey(secret, derivation string) ([]byte, error) {
	switch derivation {
	case "metallb-v0.16.2":
		// MetalLB v0.16.2 internal/speakerlist secretKeyFor: sha256.Sum256(secret).
		k := sha256.Sum256([]byte(secret))
		return k[:], nil
	case "metallb-legacy":
		// MetalLB v0.14.0-v0.16.1: Sum appends the empty-input digest to the secret bytes.
		return sha256.New().Sum([]byte(secret))[:32], nil
	}
	return nil, fmt.Errorf("unknown derivation %q (want %s)", derivation, strings.Join(derivations, " | "))
}

// buildKeyring: primary = the -derivation key of -secret (else the first -key); secondary = the -accept
// derivations' keys and the other -key values; nil (clear text) when there is no key at all.
func buildKeyring(secret, derivation, accept string, rawKeys []string) (*memberlist.Keyring, error) {
	var keys [][]byte
	for _, h := range rawKeys {
		k, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("-key %q: %v", h, err)
		}
		keys = append(keys, k)
	}
	var primary []byte
	if secret != "" {
		k, err := deriveKey(secret, derivation)
		if err != nil {
			return nil, err
		}
		primary = k
		for _, d := range strings.Split(accept, ",") {
			if d = strings.TrimSpace(d); d == "" {
				continue
			}
			k, err := deriveKey(secret, d)
			if err != nil {
				return nil, err
			}
			keys = append(keys, k)
		}
	} else if len(keys) > 0 {
		primary, keys = keys[0], keys[1:]
	}
	if primary == nil {
		return nil, nil
	}
	return memberlist.NewKeyring(keys, primary)
}
