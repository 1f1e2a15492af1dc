package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/intops/intops"
)

// Catalog is a loaded estate: every team, system and integration.
type Catalog struct {
	Teams        map[string]*intops.Team
	Systems      map[string]*intops.System
	Integrations []*intops.Integration // in file order
	byID         map[string]*intops.Integration
}

// Integration returns the integration with the id, or nil.
func (c *Catalog) Integration(id string) *intops.Integration { return c.byID[id] }

// Error is one problem found in a catalog file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads every .yaml and .yml file under path (a file or a directory
// tree) and returns the catalog, or every problem found joined in one
// error, each as file:line: message.
func Load(path string) (*Catalog, error) {
	files, err := catalogFiles(path)
	if err != nil {
		return nil, err
	}
	l := &loader{cat: &Catalog{
		Teams:   map[string]*intops.Team{},
		Systems: map[string]*intops.System{},
		byID:    map[string]*intops.Integration{},
	}, where: map[string]pos{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read catalog: %w", err)
		}
		l.parse(f, data)
	}
	l.resolve()
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return l.cat, nil
}

func catalogFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != path {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("catalog: no .yaml or .yml files under %s", path)
	}
	return files, nil
}

// All returns every integration in catalog order.
func (c *Catalog) All() []*intops.Integration { return c.Integrations }
