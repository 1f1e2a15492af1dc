// Command check validates intops' deployment files offline, as a cluster
// and docker compose would read them: every Kubernetes manifest (and the
// output of every kustomization) against the Kubernetes API server's own
// decoding and validation, the ClickHouseInstallation against the
// clickhouse-operator's CRD schema, the pods against their namespace's Pod
// Security Standard, the references between objects, the
// Kubernetes collector configuration against deploy/collector.yaml, the
// catalog ConfigMap against the catalog, and docker-compose.yml against
// the Compose specification. It prints every problem as
// file:line: object: field: message and exits 1 when there is one.
//
//	cd deploy/check && go run . -root ../..
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

// kubernetesVersion is the release whose API the check validates
// against: k8s.io/kubernetes in go.mod.
const kubernetesVersion = "1.35"

func main() {
	root := flag.String("root", "../..", "the repository `dir`")
	flag.Parse()
	start := time.Now()
	res := Check(*root)
	for _, p := range res.Problems {
		fmt.Fprintln(os.Stderr, p)
	}
	fmt.Printf("check-deploy: %d objects in %d files, %d kustomizations, docker-compose.yml: %d problems (%.1fs)\n",
		res.Objects, res.Files, res.Kustomizations, len(res.Problems), time.Since(start).Seconds())
	if len(res.Problems) > 0 {
		os.Exit(1)
	}
}
