package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkCatalogConfigMap checks that the catalog's kustomization takes every
// file the catalog loader reads (every .yaml/.yml file under the catalog,
// hidden ones aside, and the lint configuration .intops-lint.yaml), each
// once, under the key of its path with "/" as "-".
func checkCatalogConfigMap(ks *kustomization, catalogDir, rel string) []Problem {
	want := map[string]string{} // source path relative to ks.dir → key
	err := filepath.WalkDir(catalogDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != catalogDir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			if p != filepath.Join(catalogDir, ".intops-lint.yaml") {
				return nil
			}
		}
		if ext := filepath.Ext(p); d.IsDir() || (ext != ".yaml" && ext != ".yml") {
			return nil
		}
		src, _ := filepath.Rel(ks.dir, p)
		inCatalog, _ := filepath.Rel(catalogDir, p)
		want[filepath.ToSlash(src)] = strings.ReplaceAll(filepath.ToSlash(inCatalog), "/", "-")
		return nil
	})
	if err != nil {
		return []Problem{{File: rel, Msg: err.Error()}}
	}
	have := map[string]string{}
	found := false
	for _, g := range ks.k.ConfigMapGenerator {
		if g.Name != "intops-catalog" {
			continue
		}
		found = true
		for _, f := range g.FileSources {
			k, src, ok := strings.Cut(f, "=")
			if !ok {
				src, k = f, filepath.Base(f)
			}
			have[filepath.ToSlash(filepath.Clean(src))] = k
		}
	}
	if !found {
		return []Problem{{File: rel, Msg: "no configMapGenerator named intops-catalog"}}
	}
	var probs []Problem
	var missing []string
	for src, k := range want {
		got, ok := have[src]
		switch {
		case !ok:
			missing = append(missing, fmt.Sprintf("%s=%s", k, src))
		case got != k:
			probs = append(probs, Problem{File: rel, Msg: fmt.Sprintf("catalog file %s has key %s, want %s", src, got, k)})
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		probs = append(probs, Problem{File: rel, Msg: "catalog file missing from configMapGenerator intops-catalog (the ConfigMap would lack it): add - " + m})
	}
	return probs
}

// allowedDifferences are the parts of the Kubernetes collector
// configuration that may differ from deploy/collector.yaml.
var allowedDifferences = []string{
	"receivers.otlp.protocols.grpc.keepalive",
	"service.telemetry.metrics",
}

// checkCollectorConfig checks that the Kubernetes collector configuration
// is deploy/collector.yaml but for the allowed differences, so that a
// change to the shipped configuration cannot be forgotten there.
func checkCollectorConfig(basePath, k8sPath, baseRel, k8sRel string) []Problem {
	var base, k8s map[string]any
	var node yaml.Node
	for _, f := range []struct {
		path, rel string
		into      *map[string]any
	}{{basePath, baseRel, &base}, {k8sPath, k8sRel, &k8s}} {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return []Problem{{File: f.rel, Msg: err.Error()}}
		}
		if err := yaml.Unmarshal(data, f.into); err != nil {
			return []Problem{{File: f.rel, Msg: "invalid YAML: " + err.Error()}}
		}
		if f.into == &k8s {
			_ = yaml.Unmarshal(data, &node)
		}
	}
	for _, p := range allowedDifferences {
		deletePath(base, p)
		deletePath(k8s, p)
	}
	var diffs []string
	diff("", base, k8s, &diffs)
	sort.Strings(diffs)
	var probs []Problem
	for _, d := range diffs {
		line := 0
		if len(node.Content) > 0 {
			line = lineOf(node.Content[0], d)
		}
		probs = append(probs, Problem{File: k8sRel, Line: line, Field: d,
			Msg: fmt.Sprintf("differs from %s (only %s may): copy the change", baseRel, strings.Join(allowedDifferences, " and "))})
	}
	return probs
}

func deletePath(m map[string]any, path string) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	delete(m, parts[len(parts)-1])
}

func diff(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		if !reflect.DeepEqual(a, b) {
			*out = append(*out, path)
		}
		return
	}
	keys := map[string]bool{}
	for k := range am {
		keys[k] = true
	}
	for k := range bm {
		keys[k] = true
	}
	for k := range keys {
		p := k
		if path != "" {
			p = path + "." + k
		}
		diff(p, am[k], bm[k], out)
	}
}
