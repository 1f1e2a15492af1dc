package main

import (
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// workload is a Deployment or StatefulSet: what its pods look like.
type workload struct {
	obj      object
	template corev1.PodTemplateSpec
	replicas int32
	service  string // a StatefulSet's serviceName
}

// index holds the objects of one kustomization's build (and the Secrets
// its example file documents) by namespace and name.
type index struct {
	configMaps    map[string]map[string]bool // ns/name → keys
	configMapData map[string]map[string]string
	secrets       map[string]map[string]bool // ns/name → keys
	services      map[string]corev1.Service
	serviceObj    map[string]object
	workloads     map[string]workload // ns/Kind/name
	hpas          []object
	pdbs          []object
}

func key(ns, name string) string { return ns + "/" + name }

func newIndex(objs, secretExamples []object) *index {
	ix := &index{configMaps: map[string]map[string]bool{}, configMapData: map[string]map[string]string{}, secrets: map[string]map[string]bool{},
		services: map[string]corev1.Service{}, serviceObj: map[string]object{}, workloads: map[string]workload{}}
	for _, o := range objs {
		switch o.gvk.Kind {
		case "ConfigMap":
			var cm corev1.ConfigMap
			if json.Unmarshal(o.json, &cm) == nil {
				keys := map[string]bool{}
				for k := range cm.Data {
					keys[k] = true
				}
				for k := range cm.BinaryData {
					keys[k] = true
				}
				ix.configMaps[key(o.ns, o.name)] = keys
				ix.configMapData[key(o.ns, o.name)] = cm.Data
			}
		case "Service":
			var s corev1.Service
			if json.Unmarshal(o.json, &s) == nil {
				ix.services[key(o.ns, o.name)] = s
				ix.serviceObj[key(o.ns, o.name)] = o
			}
		case "Deployment":
			var d appsv1.Deployment
			if json.Unmarshal(o.json, &d) == nil {
				r := int32(1)
				if d.Spec.Replicas != nil {
					r = *d.Spec.Replicas
				}
				ix.workloads[key(o.ns, "Deployment/"+o.name)] = workload{obj: o, template: d.Spec.Template, replicas: r}
			}
		case "StatefulSet":
			var s appsv1.StatefulSet
			if json.Unmarshal(o.json, &s) == nil {
				r := int32(1)
				if s.Spec.Replicas != nil {
					r = *s.Spec.Replicas
				}
				ix.workloads[key(o.ns, "StatefulSet/"+o.name)] = workload{obj: o, template: s.Spec.Template, replicas: r, service: s.Spec.ServiceName}
			}
		case "HorizontalPodAutoscaler":
			ix.hpas = append(ix.hpas, o)
		case "PodDisruptionBudget":
			ix.pdbs = append(ix.pdbs, o)
		}
	}
	for _, o := range secretExamples {
		if o.gvk.Kind != "Secret" {
			continue
		}
		var s corev1.Secret
		if json.Unmarshal(o.json, &s) == nil {
			keys := map[string]bool{}
			for k := range s.Data {
				keys[k] = true
			}
			for k := range s.StringData {
				keys[k] = true
			}
			ix.secrets[key(o.ns, o.name)] = keys
		}
	}
	return ix
}

// selects lists the workloads of ns whose pods a selector picks.
func (ix *index) selects(ns string, sel labels.Selector) []workload {
	var ws []workload
	for _, w := range ix.workloads {
		if w.obj.ns == ns && !sel.Empty() && sel.Matches(labels.Set(w.template.Labels)) {
			ws = append(ws, w)
		}
	}
	return ws
}

// crossCheck finds references between objects that name nothing: what
// the API server accepts but breaks at run time (a pod waiting for a
// ConfigMap, a Service without endpoints, an autoscaler without target).
func crossCheck(ix *index, place func(object, fieldError) Problem) []Problem {
	var probs []Problem
	for _, w := range ix.workloads {
		probs = append(probs, checkPodRefs(ix, w, place)...)
	}
	for k, s := range ix.services {
		o := ix.serviceObj[k]
		if len(s.Spec.Selector) == 0 {
			continue
		}
		ws := ix.selects(o.ns, labels.SelectorFromSet(s.Spec.Selector))
		if len(ws) == 0 {
			probs = append(probs, place(o, fieldError{"spec.selector", "selects no pods of any Deployment or StatefulSet here"}))
			continue
		}
		for i, p := range s.Spec.Ports {
			tp := p.TargetPort
			if tp.Type == intstr.Int && tp.IntVal == 0 {
				tp = intstr.FromInt32(p.Port)
			}
			for _, w := range ws {
				if !hasPort(w.template.Spec, tp) {
					probs = append(probs, place(o, fieldError{fmt.Sprintf("spec.ports[%d].targetPort", i),
						fmt.Sprintf("%s %s has no container port %s", w.obj.gvk.Kind, w.obj.name, tp.String())}))
				}
			}
		}
	}
	for _, o := range ix.hpas {
		var h autoscalingv2.HorizontalPodAutoscaler
		if json.Unmarshal(o.json, &h) != nil {
			continue
		}
		ref := h.Spec.ScaleTargetRef
		w, ok := ix.workloads[key(o.ns, ref.Kind+"/"+ref.Name)]
		if !ok {
			probs = append(probs, place(o, fieldError{"spec.scaleTargetRef", fmt.Sprintf("no %s %s here", ref.Kind, ref.Name)}))
			continue
		}
		for _, m := range h.Spec.Metrics {
			if m.Resource == nil || m.Resource.Target.Type != autoscalingv2.UtilizationMetricType {
				continue
			}
			for i, c := range w.template.Spec.Containers {
				if _, ok := c.Resources.Requests[m.Resource.Name]; !ok {
					probs = append(probs, place(w.obj, fieldError{fmt.Sprintf("spec.template.spec.containers[%d].resources.requests", i),
						fmt.Sprintf("no %s request: HorizontalPodAutoscaler %s scales on its utilization", m.Resource.Name, o.name)}))
				}
			}
		}
	}
	for _, o := range ix.pdbs {
		var p policyv1.PodDisruptionBudget
		if json.Unmarshal(o.json, &p) != nil || p.Spec.Selector == nil {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err == nil && len(ix.selects(o.ns, sel)) == 0 {
			probs = append(probs, place(o, fieldError{"spec.selector", "selects no pods of any Deployment or StatefulSet here"}))
		}
	}
	return probs
}

func hasPort(spec corev1.PodSpec, p intstr.IntOrString) bool {
	for _, c := range spec.Containers {
		for _, cp := range c.Ports {
			if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
				return true
			}
		}
	}
	return false
}

// checkPodRefs checks what a pod template names: ConfigMaps, Secrets and
// their keys, named ports of probes, a StatefulSet's Service.
func checkPodRefs(ix *index, w workload, place func(object, fieldError) Problem) []Problem {
	var probs []Problem
	ns := w.obj.ns
	spec := w.template.Spec
	bad := func(path, msg string) { probs = append(probs, place(w.obj, fieldError{path, msg})) }
	base := "spec.template.spec"
	volumeKeys := map[string]map[string]bool{} // configMap volume → its keys
	for i, v := range spec.Volumes {
		p := fmt.Sprintf("%s.volumes[%d]", base, i)
		if cm := v.ConfigMap; cm != nil {
			keys, ok := ix.configMaps[key(ns, cm.Name)]
			if !ok && (cm.Optional == nil || !*cm.Optional) {
				bad(p+".configMap.name", fmt.Sprintf("no ConfigMap %s in namespace %s", cm.Name, ns))
			}
			volumeKeys[v.Name] = keys
		}
		if s := v.Secret; s != nil {
			if _, ok := ix.secrets[key(ns, s.SecretName)]; !ok {
				bad(p+".secret.secretName", fmt.Sprintf("no Secret %s in namespace %s in the example Secrets", s.SecretName, ns))
			}
		}
	}
	if w.service != "" {
		s, ok := ix.services[key(ns, w.service)]
		if !ok {
			bad("spec.serviceName", fmt.Sprintf("no Service %s in namespace %s", w.service, ns))
		} else if s.Spec.ClusterIP != corev1.ClusterIPNone {
			bad("spec.serviceName", fmt.Sprintf("Service %s is not headless (clusterIP: None)", w.service))
		}
	}
	for i, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		p := fmt.Sprintf("%s.containers[%d]", base, i-len(spec.InitContainers))
		if i < len(spec.InitContainers) {
			p = fmt.Sprintf("%s.initContainers[%d]", base, i)
		}
		for j, e := range c.Env {
			if e.ValueFrom == nil {
				continue
			}
			ep := fmt.Sprintf("%s.env[%d].valueFrom", p, j)
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				keys, ok := ix.secrets[key(ns, r.Name)]
				if !ok {
					bad(ep+".secretKeyRef.name", fmt.Sprintf("no Secret %s in namespace %s in the example Secrets", r.Name, ns))
				} else if !keys[r.Key] {
					bad(ep+".secretKeyRef.key", fmt.Sprintf("the example Secret %s has no key %s", r.Name, r.Key))
				}
			}
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
				keys, ok := ix.configMaps[key(ns, r.Name)]
				if !ok && (r.Optional == nil || !*r.Optional) {
					bad(ep+".configMapKeyRef.name", fmt.Sprintf("no ConfigMap %s in namespace %s", r.Name, ns))
				} else if ok && !keys[r.Key] {
					bad(ep+".configMapKeyRef.key", fmt.Sprintf("ConfigMap %s has no key %s", r.Name, r.Key))
				}
			}
		}
		for j, m := range c.VolumeMounts {
			if keys, ok := volumeKeys[m.Name]; ok && m.SubPath != "" && keys != nil && !keys[m.SubPath] {
				bad(fmt.Sprintf("%s.volumeMounts[%d].subPath", p, j), fmt.Sprintf("the ConfigMap of volume %s has no key %s", m.Name, m.SubPath))
			}
		}
		for name, pr := range map[string]*corev1.Probe{"readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe, "startupProbe": c.StartupProbe} {
			if pr == nil {
				continue
			}
			var port *intstr.IntOrString
			if pr.HTTPGet != nil {
				port = &pr.HTTPGet.Port
			} else if pr.TCPSocket != nil {
				port = &pr.TCPSocket.Port
			}
			if port != nil && port.Type == intstr.String && !hasPort(corev1.PodSpec{Containers: []corev1.Container{c}}, *port) {
				bad(p+"."+name, fmt.Sprintf("no container port named %s", port.StrVal))
			}
		}
	}
	return probs
}
