package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Result is what Check found.
type Result struct {
	Problems                       []Problem
	Files, Objects, Kustomizations int
}

type checker struct {
	root   string
	chi    *chiSchema
	chiErr error
	// sources are the manifests read from files, by Kind/name, so that a
	// problem in built output can point at the file and line it came from.
	sources map[string]object
	seen    map[string]bool // problems already reported (file level)
	res     Result
}

// Layout of the repository the check reads.
const (
	kubernetesDir  = "deploy/kubernetes"
	clickhouseDir  = "deploy/kubernetes/clickhouse"
	catalogKustDir = "examples"
	catalogDir     = "examples/estate"
	collectorBase  = "deploy/collector.yaml"
	collectorK8s   = "deploy/kubernetes/config/collector.yaml"
	composeFile    = "docker-compose.yml"
)

// Check validates the deployment files of the repository at root.
func Check(root string) Result {
	c := &checker{root: root, sources: map[string]object{}, seen: map[string]bool{}}
	c.chi, c.chiErr = operatorSchema()
	abs := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }

	// Every kustomization under deploy/kubernetes.
	var dirs []string
	_ = filepath.WalkDir(abs(kubernetesDir), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "kustomization.yaml" {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	sort.Strings(dirs)
	used := map[string]bool{}
	indexes := map[string]*index{}
	var chis []object
	examples := map[string][]object{} // kustomization dir → its example Secrets
	for _, dir := range dirs {
		rel := c.rel(dir)
		ks, err := readKustomization(dir)
		if err != nil {
			c.add(Problem{File: rel + "/kustomization.yaml", Msg: err.Error()})
			continue
		}
		c.res.Kustomizations++
		used[filepath.Join(dir, "kustomization.yaml")] = true
		for _, f := range ks.inputs {
			used[f] = true
		}
		// The source files, with their lines.
		for _, f := range ks.resources {
			used[f] = true
			objs := c.readAndValidate(f, ks.k.Namespace)
			for _, o := range objs {
				c.sources[o.id()] = o
			}
		}
		// The example Secrets next to it.
		matches, _ := filepath.Glob(filepath.Join(dir, "*.example.yaml"))
		for _, f := range matches {
			used[f] = true
			examples[dir] = append(examples[dir], c.readAndValidate(f, ks.k.Namespace)...)
		}
		// The build, as kubectl apply -k makes it.
		out, err := build(dir)
		if err != nil {
			c.add(Problem{File: rel + "/kustomization.yaml", Msg: "kustomize build: " + err.Error()})
			continue
		}
		built, probs := parseObjects(out, "kustomize build "+rel, false)
		c.add(probs...)
		for _, o := range built {
			c.res.Objects++
			for _, p := range c.validate(o) {
				c.add(c.locate(p, o))
			}
			if isCHI(o.gvk) {
				chis = append(chis, o)
			}
		}
		ix := newIndex(built, examples[dir])
		indexes[dir] = ix
		c.add(crossCheck(ix, c.place)...)
		c.add(checkPodSecurity(built, ix, c.place)...)
	}

	// Files of deploy/kubernetes that no kustomization uses.
	_ = filepath.WalkDir(abs(kubernetesDir), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !used[p] && !strings.HasPrefix(d.Name(), ".") {
			c.add(Problem{File: c.rel(p), Msg: "not used by any kustomization (a resource, a generator input or *.example.yaml)"})
		}
		return nil
	})

	// intops and its ClickHouse cluster agree.
	intops, clickhouse := indexes[abs(kubernetesDir)], indexes[abs(clickhouseDir)]
	switch {
	case intops == nil || clickhouse == nil:
	case len(chis) != 1:
		c.add(Problem{File: clickhouseDir, Msg: fmt.Sprintf("%d ClickHouseInstallations, want 1", len(chis))})
	default:
		in, probs := readInstallation(chis[0])
		c.add(probs...)
		c.add(checkCluster(intops, clickhouse, in, c.place, examples[abs(kubernetesDir)])...)
	}

	// The catalog ConfigMap has the whole catalog.
	if ks, err := readKustomization(abs(catalogKustDir)); err != nil {
		c.add(Problem{File: catalogKustDir + "/kustomization.yaml", Msg: err.Error()})
	} else {
		c.add(checkCatalogConfigMap(ks, abs(catalogDir), catalogKustDir+"/kustomization.yaml")...)
	}
	c.add(checkCollectorConfig(abs(collectorBase), abs(collectorK8s), collectorBase, collectorK8s)...)
	c.res.Files++
	c.add(checkCompose(abs(composeFile), composeFile)...)
	sortProblems(c.res.Problems)
	return c.res
}

// readAndValidate reads a manifest file and validates each object in it;
// namespace is the one kustomize gives objects without their own.
func (c *checker) readAndValidate(path, namespace string) []object {
	c.res.Files++
	objs, probs := readObjects(path, c.rel(path))
	c.add(probs...)
	for i := range objs {
		if objs[i].ns == "" && objs[i].gvk.Kind != "Namespace" {
			objs[i].ns = namespace
		}
		c.add(c.validate(objs[i])...)
	}
	return objs
}

// place makes a problem of a field error of o, at its source file and
// line when o is built output of a file the check read.
func (c *checker) place(o object, e fieldError) Problem {
	return c.locate(o.problem(e), o)
}

func (c *checker) locate(p Problem, o object) Problem {
	if o.doc.node != nil {
		return p
	}
	if src, ok := c.sources[o.id()]; ok {
		q := src.problem(fieldError{p.Field, p.Msg})
		q.Object = p.Object
		return q
	}
	return p
}

// add records problems, each once: a problem of a source file shows again
// in the kustomization's build.
func (c *checker) add(ps ...Problem) {
	for _, p := range ps {
		if s := p.String(); !c.seen[s] {
			c.seen[s] = true
			c.res.Problems = append(c.res.Problems, p)
		}
	}
}

var (
	schemaOnce sync.Once
	chiSchemaV *chiSchema
	chiSchemaE error
)

// operatorSchema loads the ClickHouseInstallation schema once: the
// operator module is found by the go command in this module's folder.
func operatorSchema() (*chiSchema, error) {
	schemaOnce.Do(func() {
		dir := "."
		if _, file, _, ok := runtime.Caller(0); ok {
			if _, err := os.Stat(filepath.Join(filepath.Dir(file), "go.mod")); err == nil {
				dir = filepath.Dir(file)
			}
		}
		chiSchemaV, chiSchemaE = loadCHISchema(dir)
	})
	return chiSchemaV, chiSchemaE
}
