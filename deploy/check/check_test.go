package main

import "testing"

// The repository's deployment files pass every check.
func TestRepository(t *testing.T) {
	res := Check("../..")
	for _, p := range res.Problems {
		t.Error(p)
	}
	if res.Kustomizations < 2 || res.Objects < 15 {
		t.Errorf("checked %d kustomizations, %d objects: the layout changed?", res.Kustomizations, res.Objects)
	}
}
