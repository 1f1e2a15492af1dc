package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// kustomization is what the check reads of a kustomization.yaml: the files
// it takes, to validate them with their lines and to know every file of
// deploy/kubernetes is used.
type kustomization struct {
	dir       string   // absolute
	resources []string // manifest files (absolute); folders are built, not listed
	inputs    []string // generator inputs (absolute)
	k         types.Kustomization
}

func readKustomization(dir string) (*kustomization, error) {
	path := filepath.Join(dir, "kustomization.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ks := &kustomization{dir: dir}
	if err := yaml.UnmarshalStrict(data, &ks.k); err != nil {
		return nil, fmt.Errorf("kustomization.yaml: %w", err)
	}
	for _, r := range ks.k.Resources {
		p := filepath.Join(dir, r)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			ks.resources = append(ks.resources, p)
		}
	}
	var gens []types.GeneratorArgs
	for _, g := range ks.k.ConfigMapGenerator {
		gens = append(gens, g.GeneratorArgs)
	}
	for _, g := range ks.k.SecretGenerator {
		gens = append(gens, g.GeneratorArgs)
	}
	for _, g := range gens {
		for _, f := range g.FileSources {
			if _, src, ok := strings.Cut(f, "="); ok {
				f = src
			}
			ks.inputs = append(ks.inputs, filepath.Join(dir, f))
		}
		for _, f := range g.EnvSources {
			ks.inputs = append(ks.inputs, filepath.Join(dir, f))
		}
	}
	return ks, nil
}

// build runs kustomize as kubectl apply -k does (files only under each
// kustomization's own folder) and returns the YAML it would apply.
func build(dir string) ([]byte, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, err
	}
	return m.AsYaml()
}
