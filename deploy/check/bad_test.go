package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func problemStrings(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func checkWant(t *testing.T, got []Problem, want []string) {
	t.Helper()
	sortProblems(got)
	g := problemStrings(got)
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n\t%s\nwant:\n\t%s", strings.Join(g, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// Each kind of mistake in a manifest is reported with its file, line,
// object and field.
func TestBadManifests(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"bad-unknown-field.yaml", []string{
			`testdata/bad-unknown-field.yaml:13: Deployment web: spec.template.metadata.labels: Invalid value: {"app":"webb"}: ` + "`selector` does not match template `labels`",
			`testdata/bad-unknown-field.yaml:19: Deployment web: spec.template.spec.containers[0].imagePullPolcy: unknown field`,
		}},
		{"bad-wrong-type.yaml", []string{
			`testdata/bad-wrong-type.yaml:16: Service web: spec.ports.port: wrong type: a string where an integer belongs`,
		}},
		{"bad-kind.yaml", []string{
			`testdata/bad-kind.yaml:1: Deploymnt web: no schema for apiVersion apps/v1, kind Deploymnt: not a kind of Kubernetes 1.35 nor of the ClickHouse operator`,
		}},
		{"bad-invalid.yaml", []string{
			`testdata/bad-invalid.yaml:18: StatefulSet db: spec.template.spec.containers[0].image: Required value`,
			`testdata/bad-invalid.yaml:20: StatefulSet db: spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive`,
			`testdata/bad-invalid.yaml:22: StatefulSet db: spec.template.spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi`,
		}},
		// The operator's CRD for the installation, the Kubernetes API for
		// the pod template it embeds.
		{"bad-chi.yaml", []string{
			`testdata/bad-chi.yaml:8: ClickHouseInstallation broken: spec.configuration.clusters[0].name: Too long: may not be more than 15 bytes`,
			`testdata/bad-chi.yaml:10: ClickHouseInstallation broken: spec.configuration.clusters[0].layout.shardCount: unknown field`,
			`testdata/bad-chi.yaml:11: ClickHouseInstallation broken: spec.configuration.clusters[0].layout.replicasCount: Invalid value: "string": spec.configuration.clusters[0].layout.replicasCount in body must be of type integer: "string"`,
			`testdata/bad-chi.yaml:17: ClickHouseInstallation broken: spec.templates.podTemplates[0].spec.containers[0].image: Required value`,
			`testdata/bad-chi.yaml:18: ClickHouseInstallation broken: spec.templates.podTemplates[0].spec.containers[0].imagen: unknown field`,
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c := &checker{root: ".", sources: map[string]object{}, seen: map[string]bool{}}
			c.chi, c.chiErr = operatorSchema()
			c.readAndValidate(filepath.Join("testdata", tc.file), "")
			checkWant(t, c.res.Problems, tc.want)
		})
	}
}

func TestBadCompose(t *testing.T) {
	checkWant(t, checkCompose("testdata/bad-compose.yml", "testdata/bad-compose.yml"), []string{
		`testdata/bad-compose.yml:4: services.server.restart_policy: unknown field (not in the Compose specification)`,
	})
}

// References to nothing: a ConfigMap, a Secret, a probe's port, a
// Service's pods; and an autoscaler on CPU without a CPU request.
func TestBadReferences(t *testing.T) {
	c := &checker{root: ".", sources: map[string]object{}, seen: map[string]bool{}}
	c.chi, c.chiErr = operatorSchema()
	objs := c.readAndValidate("testdata/bad-refs/app.yaml", "refs")
	for _, o := range objs {
		c.sources[o.id()] = o
	}
	out, err := build("testdata/bad-refs")
	if err != nil {
		t.Fatal(err)
	}
	built, _ := parseObjects(out, "kustomize build testdata/bad-refs", false)
	c.add(crossCheck(newIndex(built, nil), c.place)...)
	sortProblems(c.res.Problems)
	checkWant(t, c.res.Problems, []string{
		`testdata/bad-refs/app.yaml:15: Deployment app: spec.template.spec.containers[0].resources.requests: no cpu request: HorizontalPodAutoscaler app scales on its utilization`,
		`testdata/bad-refs/app.yaml:20: Deployment app: spec.template.spec.containers[0].readinessProbe: no container port named htp`,
		`testdata/bad-refs/app.yaml:28: Deployment app: spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name: no Secret app-secret in namespace refs in the example Secrets`,
		`testdata/bad-refs/app.yaml:36: Deployment app: spec.template.spec.volumes[0].configMap.name: no ConfigMap app-config in namespace refs`,
		`testdata/bad-refs/app.yaml:43: Service app: spec.selector: selects no pods of any Deployment or StatefulSet here`,
	})
}

func TestCollectorConfigDrift(t *testing.T) {
	checkWant(t, checkCollectorConfig("../collector.yaml", "testdata/collector-drift.yaml", "deploy/collector.yaml", "testdata/collector-drift.yaml"), []string{
		`testdata/collector-drift.yaml:65: exporters.intops_clickhouse.sending_queue.queue_size: differs from deploy/collector.yaml (only receivers.otlp.protocols.grpc.keepalive and service.telemetry.metrics may): copy the change`,
	})
}

func TestCatalogConfigMapIncomplete(t *testing.T) {
	ks, err := readKustomization("testdata/catalog")
	if err != nil {
		t.Fatal(err)
	}
	checkWant(t, checkCatalogConfigMap(ks, "testdata/catalog/estate", "testdata/catalog/kustomization.yaml"), []string{
		`testdata/catalog/kustomization.yaml: catalog file missing from configMapGenerator intops-catalog (the ConfigMap would lack it): add - integrations-orders.yaml=estate/integrations/orders.yaml`,
	})
}

// Check as a whole finds mistakes in a copy of the repository's files:
// in a source manifest (with its line), between intops and its ClickHouse
// cluster, a pod that breaks its namespace's Pod Security Standard, and a
// file no kustomization uses.
func TestCheckFindsMistakes(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"deploy/kubernetes", "deploy/collector.yaml", "examples", "docker-compose.yml"} {
		copyTree(t, filepath.Join("../..", p), filepath.Join(root, p))
	}
	edit(t, filepath.Join(root, "deploy/kubernetes/server.yaml"), "containerPort: 8080", "containerPort: 80800")
	edit(t, filepath.Join(root, "deploy/kubernetes/clickhouse/clickhouse.yaml"), "      - name: intops\n", "      - name: intops-ch\n")
	edit(t, filepath.Join(root, "deploy/kubernetes/server.yaml"), "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true")
	os.WriteFile(filepath.Join(root, "deploy/kubernetes/stray.yaml"), []byte("a: 1\n"), 0o644)
	res := Check(root)
	line := lineContaining(t, filepath.Join(root, "deploy/kubernetes/server.yaml"), "containerPort: 80800")
	serverEnv := lineContaining(t, filepath.Join(root, "deploy/kubernetes/server.yaml"), "value: intops")
	collectorEnv := lineContaining(t, filepath.Join(root, "deploy/kubernetes/collector.yaml"), "value: intops")
	podSpec := lineContaining(t, filepath.Join(root, "deploy/kubernetes/server.yaml"), "    spec:")
	checkWant(t, res.Problems, []string{
		`deploy/kubernetes/collector.yaml:` + collectorEnv + `: Deployment intops-collector: spec.template.spec.containers[0].env[5].value: ClickHouseInstallation intops has no cluster "intops" (it has intops-ch)`,
		`deploy/kubernetes/server.yaml:` + podSpec + `: Deployment intops-server: spec.template.spec: violates the "restricted" Pod Security Standard that namespace intops enforces: allowPrivilegeEscalation != false (container "server" must set securityContext.allowPrivilegeEscalation=false)`,
		`deploy/kubernetes/server.yaml:` + serverEnv + `: Deployment intops-server: spec.template.spec.containers[0].env[3].value: ClickHouseInstallation intops has no cluster "intops" (it has intops-ch)`,
		`deploy/kubernetes/server.yaml:` + line + `: Deployment intops-server: spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 80800: must be between 1 and 65535, inclusive`,
		`deploy/kubernetes/stray.yaml: not used by any kustomization (a resource, a generator input or *.example.yaml)`,
	})
}
