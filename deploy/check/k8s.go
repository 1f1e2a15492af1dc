package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	podutil "k8s.io/kubernetes/pkg/api/pod"
	"k8s.io/kubernetes/pkg/apis/apps"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	appsvalidation "k8s.io/kubernetes/pkg/apis/apps/validation"
	"k8s.io/kubernetes/pkg/apis/autoscaling"
	_ "k8s.io/kubernetes/pkg/apis/autoscaling/install"
	autoscalingvalidation "k8s.io/kubernetes/pkg/apis/autoscaling/validation"
	"k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"
	"k8s.io/kubernetes/pkg/apis/policy"
	_ "k8s.io/kubernetes/pkg/apis/policy/install"
	policyvalidation "k8s.io/kubernetes/pkg/apis/policy/validation"
)

// fieldError is one problem of an object: the field path (empty for the
// whole object) and what is wrong.
type fieldError struct {
	Path, Msg string
}

// strictCodecs decode as the API server does with field validation
// Strict (kubectl's default): unknown and duplicate fields are errors,
// defaults are applied, and the result is the internal version that the
// server's validation reads.
var strictCodecs = serializer.NewCodecFactory(legacyscheme.Scheme, serializer.EnableStrict)

var (
	strictField = regexp.MustCompile(`^(unknown|duplicate) field "(.*)"$`)
	// encoding/json: ... into Go struct field Container.spec.template.spec.containers.ports.containerPort of type int32
	typeError = regexp.MustCompile(`cannot unmarshal (\w+) into Go struct field \w+\.(\S+) of type (\S+)`)
	// a pod template warning: spec.template.spec.x: what
	warningPath = regexp.MustCompile(`^([a-zA-Z][\w.\[\]/-]*): (.*)$`)
)

// typeMeta reads apiVersion and kind.
func typeMeta(data []byte) (schema.GroupVersionKind, error) {
	var tm metav1.TypeMeta
	if err := json.Unmarshal(data, &tm); err != nil {
		return schema.GroupVersionKind{}, err
	}
	return tm.GroupVersionKind(), nil
}

// validateBuiltin decodes one object of a built-in kind strictly and runs
// the API server's validation of that kind (as for a create) and its
// warnings about pod templates. ok is false for kinds it does not know.
func validateBuiltin(data []byte, gvk schema.GroupVersionKind) (errs []fieldError, ok bool) {
	if !legacyscheme.Scheme.Recognizes(gvk) {
		return nil, false
	}
	obj, _, err := strictCodecs.UniversalDecoder().Decode(data, nil, nil)
	if err != nil {
		if strict, ok := runtime.AsStrictDecodingError(err); ok && obj != nil {
			for _, e := range strict.Errors() {
				if m := strictField.FindStringSubmatch(e.Error()); m != nil {
					errs = append(errs, fieldError{m[2], m[1] + " field"})
				} else {
					errs = append(errs, fieldError{"", e.Error()})
				}
			}
		} else {
			return []fieldError{decodeError(err)}, true
		}
	}
	return append(errs, validateInternal(obj)...), true
}

// decodeError turns a decoding error into a field error where it names
// the field.
func decodeError(err error) fieldError {
	msg := err.Error()
	if m := typeError.FindStringSubmatch(msg); m != nil {
		return fieldError{m[2], fmt.Sprintf("wrong type: a %s where %s belongs", m[1], goTypeName(m[3]))}
	}
	return fieldError{"", msg}
}

func goTypeName(t string) string {
	switch t {
	case "int32", "int64", "int":
		return "an integer"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	}
	if len(t) > 2 && t[:2] == "[]" {
		return "a list"
	}
	if len(t) > 3 && t[:3] == "map" {
		return "a map"
	}
	return "an object (" + t + ")"
}

// namespaced kinds get a namespace when the file leaves it to kubectl or
// kustomize, as the API server takes it from the request.
func setDefaultNamespace(obj runtime.Object) {
	type namespaced interface {
		GetNamespace() string
		SetNamespace(string)
	}
	if _, ok := obj.(*core.Namespace); ok {
		return
	}
	if m, ok := obj.(namespaced); ok && m.GetNamespace() == "" {
		m.SetNamespace("default")
	}
}

// validateInternal runs the API server's create validation of obj.
func validateInternal(obj runtime.Object) []fieldError {
	setDefaultNamespace(obj)
	var list field.ErrorList
	var warnings []string
	ctx := context.Background()
	switch o := obj.(type) {
	case *core.Namespace:
		list = corevalidation.ValidateNamespace(o)
	case *core.Service:
		// The API server's strategy copies clusterIP into clusterIPs
		// before it validates.
		if len(o.Spec.ClusterIPs) == 0 && o.Spec.ClusterIP != "" {
			o.Spec.ClusterIPs = []string{o.Spec.ClusterIP}
		}
		list = corevalidation.ValidateServiceCreate(o)
	case *core.ConfigMap:
		list = corevalidation.ValidateConfigMap(o)
	case *core.Secret:
		list = corevalidation.ValidateSecret(o)
	case *core.ServiceAccount:
		list = corevalidation.ValidateServiceAccount(o)
	case *core.PersistentVolumeClaim:
		list = corevalidation.ValidatePersistentVolumeClaim(o, corevalidation.ValidationOptionsForPersistentVolumeClaim(o, nil))
	case *core.PodTemplate:
		list = corevalidation.ValidatePodTemplate(o, podutil.GetValidationOptionsFromPodTemplate(&o.Template, nil))
		warnings = podutil.GetWarningsForPodTemplate(ctx, field.NewPath("template"), &o.Template, nil)
	case *apps.Deployment:
		list = appsvalidation.ValidateDeployment(o, podutil.GetValidationOptionsFromPodTemplate(&o.Spec.Template, nil))
		warnings = podutil.GetWarningsForPodTemplate(ctx, field.NewPath("spec", "template"), &o.Spec.Template, nil)
	case *apps.StatefulSet:
		list = appsvalidation.ValidateStatefulSet(o, podutil.GetValidationOptionsFromPodTemplate(&o.Spec.Template, nil))
		warnings = podutil.GetWarningsForPodTemplate(ctx, field.NewPath("spec", "template"), &o.Spec.Template, nil)
	case *autoscaling.HorizontalPodAutoscaler:
		// As the API server's strategy sets them for a create.
		list = autoscalingvalidation.ValidateHorizontalPodAutoscaler(o, autoscalingvalidation.HorizontalPodAutoscalerSpecValidationOptions{
			MinReplicasLowerBound:           1,
			ScaleTargetRefValidationOptions: autoscalingvalidation.CrossVersionObjectReferenceValidationOptions{},
			ObjectMetricsValidationOptions:  autoscalingvalidation.CrossVersionObjectReferenceValidationOptions{AllowEmptyAPIGroup: true},
		})
	case *policy.PodDisruptionBudget:
		list = append(corevalidation.ValidateObjectMeta(&o.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata")),
			policyvalidation.ValidatePodDisruptionBudget(o, policyvalidation.PodDisruptionBudgetValidationOptions{})...)
	default:
		return []fieldError{{"", fmt.Sprintf("the check has no validation for %T: add it to validateInternal", obj)}}
	}
	var errs []fieldError
	for _, e := range list {
		errs = append(errs, fieldError{e.Field, e.ErrorBody()})
	}
	sort.Strings(warnings)
	for _, w := range warnings {
		if m := warningPath.FindStringSubmatch(w); m != nil {
			errs = append(errs, fieldError{m[1], "warning: " + m[2]})
		} else {
			errs = append(errs, fieldError{"", "warning: " + w})
		}
	}
	return errs
}
