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

// Catalog is a loaded estate: teams, systems, integrations and their SLOs.
// It holds what the files say, gaps included: governance (unknown
// references, duplicates, missing owners) is Lint's to report.
type Catalog struct {
	Teams         map[string]*intops.Team
	Systems       map[string]*intops.System
	Integrations  []*intops.Integration // in file order; duplicates keep the first
	SLOs          []*intops.SLO
	SLIs          map[string]*intops.SLI
	AlertPolicies map[string]*intops.AlertPolicy
	// Targets are the alert notification targets, by name.
	Targets map[string]*intops.NotificationTarget
	// Users are Backstage users, by name, with the groups they belong to.
	Users map[string][]string
	// ClassPolicies override alerting's handling of error classes
	// (ErrorClassPolicy documents), by class.
	ClassPolicies map[intops.ErrorClass]*intops.ClassPolicy
	// Holidays are the estate's holidays (Holidays documents), as local
	// dates 2006-01-02: the anomaly detectors judge them as weekend days.
	Holidays map[string]bool

	byID map[string]*intops.Integration
	// where each entity (kind/name) and field (kind/name#field) stands
	pos map[string]Pos
	// Duplicates are documents that define a name again.
	Duplicates []Duplicate
	// Ignored are Backstage documents with nothing to map.
	Ignored []Ignored
	// refs are references to teams, systems, integrations, SLIs and alert
	// policies, resolved by lint.
	refs []Ref
	// invalid are the problems of OpenSLO documents left out of the
	// catalog, reported by lint.
	invalid []*Error
	// notEvaluated are the SLIs whose metric source intops does not
	// evaluate, by name, with the reason.
	notEvaluated map[string]string
}

// Pos is a place in a catalog file.
type Pos struct {
	File         string
	Line, Column int
}

func (p Pos) String() string {
	if p.Column > 0 {
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}

// Duplicate is a second definition of a kind/name.
type Duplicate struct {
	Kind, Name   string
	First, Again Pos
}

// Ignored is a document the loader read and did not map.
type Ignored struct {
	Kind, Name, Why string
	At              Pos
}

// Ref is a reference from one entity to another.
type Ref struct {
	From       string // kind/name of the referring entity
	Kind, Name string // what it refers to: Team, System, Integration, SLI, AlertPolicy
	What       string // the field: owner, source, target, …
	At         Pos
}

// Integration returns the integration with the id, or nil.
func (c *Catalog) Integration(id string) *intops.Integration { return c.byID[id] }

// SystemTitle is how a system is named to people: its title, else its
// name.
func (c *Catalog) SystemTitle(name string) string {
	if s := c.Systems[name]; s != nil && s.Title != "" {
		return s.Title
	}
	return name
}

// With returns a copy of the catalog with other integrations and SLOs and
// the same teams, systems, indicators, policies and positions: the estate
// as it once was, for simulated history. The copy shares everything else
// with c; neither may be changed afterwards.
func (c *Catalog) With(integrations []*intops.Integration, slos []*intops.SLO) *Catalog {
	d := *c
	d.Integrations, d.SLOs = integrations, slos
	d.byID = make(map[string]*intops.Integration, len(integrations))
	for _, in := range integrations {
		if d.byID[in.ID] == nil {
			d.byID[in.ID] = in
		}
	}
	return &d
}

// All returns every integration in catalog order.
func (c *Catalog) All() []*intops.Integration { return c.Integrations }

// Refs returns every reference between entities.
func (c *Catalog) Refs() []Ref { return c.refs }

// Where returns where an entity (kind/name) or one of its fields
// (kind/name#field) is defined; a field that is not written falls back to
// its entity.
func (c *Catalog) Where(key string) Pos {
	if p, ok := c.pos[key]; ok {
		return p
	}
	if i := strings.IndexByte(key, '#'); i >= 0 {
		return c.pos[key[:i]]
	}
	return Pos{}
}

// Error is one problem that makes a catalog file unusable.
type Error struct {
	Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Load reads every .yaml, .yml and .json file under path (a file or a directory
// tree; hidden files and folders are skipped) and returns the catalog, or
// every problem that makes it unusable joined in one error, each as
// file:line:column: message.
func Load(path string) (*Catalog, error) {
	files, err := Files(path)
	if err != nil {
		return nil, err
	}
	l := newLoader()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read catalog: %w", err)
		}
		l.parse(f, data)
	}
	return l.finish()
}

// Parse reads one file's contents (for tests and fuzzing).
func Parse(name string, data []byte) (*Catalog, error) {
	l := newLoader()
	l.parse(name, data)
	return l.finish()
}

func newLoader() *loader {
	return &loader{openslo: newOpenSLOState(), cat: &Catalog{
		Teams:         map[string]*intops.Team{},
		ClassPolicies: map[intops.ErrorClass]*intops.ClassPolicy{},
		Holidays:      map[string]bool{},
		Systems:       map[string]*intops.System{},
		SLIs:          map[string]*intops.SLI{},
		AlertPolicies: map[string]*intops.AlertPolicy{},
		Targets:       map[string]*intops.NotificationTarget{},
		Users:         map[string][]string{},
		byID:          map[string]*intops.Integration{},
		pos:           map[string]Pos{},
		notEvaluated:  map[string]string{},
	}}
}

func (l *loader) finish() (*Catalog, error) {
	l.mapBackstage()
	l.convertOpenSLO()
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return l.cat, nil
}

// Files lists the catalog files under path, sorted.
func Files(path string) ([]string, error) {
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
		if p != path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("catalog: no .yaml, .yml or .json files under %s", path)
	}
	return files, nil
}

func sortSystems(s []*intops.System) {
	sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
}
