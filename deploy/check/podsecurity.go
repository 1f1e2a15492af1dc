package main

import (
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// checkPodSecurity evaluates the pods of every workload against the Pod
// Security Standard its Namespace enforces (the pod-security.kubernetes.io
// labels), as the admission controller will when they are created.
func checkPodSecurity(objs []object, ix *index, place func(object, fieldError) Problem) []Problem {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return []Problem{{File: "pod security", Msg: err.Error()}}
	}
	policies := map[string]psaapi.Policy{}
	for _, o := range objs {
		if o.gvk.Kind != "Namespace" {
			continue
		}
		var ns corev1.Namespace
		if err := json.Unmarshal(o.json, &ns); err != nil {
			continue
		}
		// As the admission controller's defaults: privileged, latest.
		latest := psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()}
		p, errs := psaapi.PolicyToEvaluate(ns.Labels, psaapi.Policy{Enforce: latest, Audit: latest, Warn: latest})
		if len(errs) > 0 {
			continue // invalid labels: the Namespace's own validation says so
		}
		policies[o.name] = p
	}
	var probs []Problem
	for _, w := range ix.workloads {
		p, ok := policies[w.obj.ns]
		if !ok || p.Enforce.Level == psaapi.LevelPrivileged {
			continue
		}
		for _, r := range evaluator.EvaluatePod(p.Enforce, &w.template.ObjectMeta, &w.template.Spec) {
			if r.Allowed {
				continue
			}
			msg := fmt.Sprintf("violates the %q Pod Security Standard that namespace %s enforces: %s", p.Enforce.Level, w.obj.ns, r.ForbiddenReason)
			if r.ForbiddenDetail != "" {
				msg += " (" + strings.TrimSpace(r.ForbiddenDetail) + ")"
			}
			probs = append(probs, place(w.obj, fieldError{"spec.template.spec", msg}))
		}
	}
	return probs
}
