package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	chop "github.com/altinity/clickhouse-operator/pkg/apis/clickhouse.altinity.com"
	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

const (
	operatorModule = "github.com/altinity/clickhouse-operator"
	// The operator's CRDs as it installs them, in its module.
	operatorBundle = "deploy/operator/clickhouse-operator-install-bundle.yaml"
)

func isCHI(gvk schema.GroupVersionKind) bool {
	return gvk.Group == chop.GroupName && gvk.Kind == "ClickHouseInstallation"
}

// chiSchema is the ClickHouseInstallation schema of the operator's CRD:
// structural (for unknown fields, as the API server prunes them) and as a
// validator (types, enums, patterns, ranges).
type chiSchema struct {
	version    string // operator module version the CRD comes from
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
}

// loadCHISchema reads the CRD from the operator module that go.mod names,
// in the module cache.
func loadCHISchema(checkDir string) (*chiSchema, error) {
	cmd := exec.Command("go", "list", "-m", "-json", operatorModule)
	cmd.Dir = checkDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("find module %s: %v: %s", operatorModule, err, stderr.String())
	}
	var mod struct{ Dir, Version string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return nil, err
	}
	if mod.Dir == "" {
		// Listed in go.mod but not downloaded yet.
		dl := exec.Command("go", "mod", "download", "-json", operatorModule)
		dl.Dir = checkDir
		if out, err = dl.Output(); err != nil {
			return nil, fmt.Errorf("download module %s: %v", operatorModule, err)
		}
		if err := json.Unmarshal(out, &mod); err != nil {
			return nil, err
		}
	}
	bundle := filepath.Join(mod.Dir, operatorBundle)
	data, err := os.ReadFile(bundle)
	if err != nil {
		return nil, err
	}
	for _, d := range splitDocuments(data) {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(d.data, &crd); err != nil || crd.Kind != "CustomResourceDefinition" || crd.Spec.Names.Kind != "ClickHouseInstallation" {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Name != "v1" || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
				continue
			}
			var internal apiextensionsinternal.JSONSchemaProps
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
				return nil, fmt.Errorf("%s: %w", bundle, err)
			}
			s, err := structuralschema.NewStructural(&internal)
			if err != nil {
				return nil, fmt.Errorf("%s: structural schema: %w", bundle, err)
			}
			validator, _, err := apiservervalidation.NewSchemaValidator(&internal)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", bundle, err)
			}
			return &chiSchema{version: mod.Version, structural: s, validator: validator}, nil
		}
	}
	return nil, fmt.Errorf("%s: no ClickHouseInstallation v1 CRD", bundle)
}

// validateCHI validates a ClickHouseInstallation as the API server does
// with the operator's CRD (unknown fields, then the schema), and the
// Kubernetes objects it embeds (pod, volume claim and service templates)
// as the kinds the operator makes of them.
func (c *checker) validateCHI(data []byte) []fieldError {
	if c.chiErr != nil {
		return []fieldError{{"", "cannot validate: " + c.chiErr.Error()}}
	}
	var obj map[string]any
	// As the API server reads it: whole numbers as int64.
	if err := utiljson.Unmarshal(data, &obj); err != nil {
		return []fieldError{{"", err.Error()}}
	}
	var errs []fieldError
	pruned := deepCopyJSON(obj)
	opts := structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}
	unknown := pruning.PruneWithOptions(pruned, c.chi.structural, true, opts)
	sort.Strings(unknown)
	for _, u := range unknown {
		errs = append(errs, fieldError{u, "unknown field"})
	}
	for _, e := range apiservervalidation.ValidateCustomResource(nil, obj, c.chi.validator) {
		errs = append(errs, fieldError{e.Field, e.ErrorBody()})
	}
	var meta struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		errs = append(errs, fieldError{"metadata", err.Error()})
	} else {
		if meta.Metadata.Namespace == "" {
			meta.Metadata.Namespace = "default"
		}
		for _, e := range apimachineryvalidation.ValidateObjectMeta(&meta.Metadata, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata")) {
			errs = append(errs, fieldError{e.Field, e.ErrorBody()})
		}
	}
	return append(errs, validateCHITemplates(obj)...)
}

// validateCHITemplates validates spec.templates' embedded Kubernetes specs
// as the objects the operator builds from them.
func validateCHITemplates(obj map[string]any) []fieldError {
	templates, _ := dig(obj, "spec", "templates").(map[string]any)
	var errs []fieldError
	for _, t := range []struct {
		list, apiVersion, kind, specField string
	}{
		{"podTemplates", "v1", "PodTemplate", "template"},
		{"volumeClaimTemplates", "v1", "PersistentVolumeClaim", "spec"},
		{"serviceTemplates", "v1", "Service", "spec"},
	} {
		items, _ := templates[t.list].([]any)
		for i, it := range items {
			m, _ := it.(map[string]any)
			spec, ok := m["spec"]
			if !ok {
				continue
			}
			name, _ := m["name"].(string)
			wrapped := map[string]any{
				"apiVersion": t.apiVersion, "kind": t.kind,
				"metadata": map[string]any{"name": "template-" + strings.ToLower(name), "namespace": "default"},
			}
			prefix := fmt.Sprintf("spec.templates.%s[%d].spec", t.list, i)
			inner := "spec"
			if t.specField == "template" {
				wrapped["template"] = map[string]any{"spec": spec}
				inner = "template.spec"
			} else {
				wrapped["spec"] = spec
			}
			data, _ := json.Marshal(wrapped)
			es, _ := validateBuiltin(data, schema.GroupVersionKind{Version: t.apiVersion, Kind: t.kind})
			for _, e := range es {
				if e.Path == inner || strings.HasPrefix(e.Path, inner+".") || strings.HasPrefix(e.Path, inner+"[") {
					e.Path = prefix + strings.TrimPrefix(e.Path, inner)
				} else if strings.HasPrefix(e.Path, "metadata") {
					continue // the operator names these objects itself
				} else {
					e.Path = prefix
				}
				errs = append(errs, e)
			}
		}
	}
	return errs
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func deepCopyJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopyJSON(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopyJSON(x)
		}
		return out
	}
	return v
}
