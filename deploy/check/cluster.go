package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// installation is what the check reads of a ClickHouseInstallation.
type installation struct {
	obj      object
	clusters []string
	users    map[string]bool
	secrets  []string // ns/name/key of k8s_secret_password* settings
	keepers  []struct {
		Host string `json:"host"`
		Port int    `json:"port"`
	}
}

func readInstallation(o object) (installation, []Problem) {
	in := installation{obj: o, users: map[string]bool{}}
	var chi struct {
		Spec struct {
			Defaults struct {
				Templates map[string]string `json:"templates"`
			} `json:"defaults"`
			Configuration struct {
				Zookeeper struct {
					Nodes []struct {
						Host string `json:"host"`
						Port int    `json:"port"`
					} `json:"nodes"`
				} `json:"zookeeper"`
				Users    map[string]any `json:"users"`
				Clusters []struct {
					Name      string            `json:"name"`
					Templates map[string]string `json:"templates"`
				} `json:"clusters"`
			} `json:"configuration"`
			Templates map[string][]struct {
				Name string `json:"name"`
			} `json:"templates"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(o.json, &chi); err != nil {
		return in, nil // the schema check reports it
	}
	var probs []Problem
	defined := map[string]bool{}
	for list, ts := range chi.Spec.Templates {
		for _, t := range ts {
			defined[templateKind(list)+"/"+t.Name] = true
		}
	}
	checkRefs := func(path string, refs map[string]string) {
		for field, name := range refs {
			if kind := templateKind(field); kind != "" && !defined[kind+"/"+name] {
				probs = append(probs, o.problem(fieldError{path + "." + field, fmt.Sprintf("no %s template named %s in spec.templates", kind, name)}))
			}
		}
	}
	checkRefs("spec.defaults.templates", chi.Spec.Defaults.Templates)
	for i, c := range chi.Spec.Configuration.Clusters {
		in.clusters = append(in.clusters, c.Name)
		checkRefs(fmt.Sprintf("spec.configuration.clusters[%d].templates", i), c.Templates)
	}
	for k, v := range chi.Spec.Configuration.Users {
		user, setting, _ := strings.Cut(k, "/")
		in.users[user] = true
		if s, ok := v.(string); ok && strings.HasPrefix(setting, "k8s_secret_") {
			in.secrets = append(in.secrets, s)
		}
	}
	in.keepers = chi.Spec.Configuration.Zookeeper.Nodes
	return in, probs
}

// templateKind maps a template list or reference field to its kind.
func templateKind(field string) string {
	switch {
	case strings.HasPrefix(field, "pod"):
		return "pod"
	case strings.HasSuffix(field, "VolumeClaimTemplate"), field == "volumeClaimTemplates", field == "volumeClaimTemplate":
		return "volumeClaim"
	case strings.HasSuffix(field, "erviceTemplate"), field == "serviceTemplates":
		return "service"
	case strings.HasPrefix(field, "host"):
		return "host"
	}
	return ""
}

// checkCluster checks that intops and its ClickHouse cluster agree: the
// cluster name intops is given exists, the DSN of the example Secret
// reaches the installation's Service as one of its users, the user's
// password Secret is documented, and the keeper nodes the installation
// uses are the keeper StatefulSet's pods, which its raft configuration
// lists.
func checkCluster(intops, clickhouse *index, in installation, place func(object, fieldError) Problem, dsns []object) []Problem {
	var probs []Problem
	clusters := map[string]bool{}
	for _, c := range in.clusters {
		clusters[c] = true
	}
	for _, w := range intops.workloads {
		for i, c := range w.template.Spec.Containers {
			for j, e := range c.Env {
				if e.Name == "INTOPS_CLICKHOUSE_CLUSTER" && e.Value != "" && !clusters[e.Value] {
					probs = append(probs, place(w.obj, fieldError{fmt.Sprintf("spec.template.spec.containers[%d].env[%d].value", i, j),
						fmt.Sprintf("ClickHouseInstallation %s has no cluster %q (it has %s)", in.obj.name, e.Value, strings.Join(in.clusters, ", "))}))
				}
			}
		}
	}
	service := "clickhouse-" + in.obj.name
	for _, o := range dsns {
		var s corev1.Secret
		if json.Unmarshal(o.json, &s) != nil {
			continue
		}
		dsn, ok := s.StringData["dsn"]
		if !ok {
			continue
		}
		u, err := url.Parse(dsn)
		if err != nil {
			probs = append(probs, o.problem(fieldError{"stringData.dsn", err.Error()}))
			continue
		}
		host := u.Hostname()
		if first, _, _ := strings.Cut(host, "."); first != service || !strings.HasPrefix(host, service+"."+in.obj.ns+".svc") {
			probs = append(probs, o.problem(fieldError{"stringData.dsn", fmt.Sprintf("host %s is not the Service of ClickHouseInstallation %s: %s.%s.svc", host, in.obj.name, service, in.obj.ns)}))
		}
		if u.Port() != "9000" {
			probs = append(probs, o.problem(fieldError{"stringData.dsn", fmt.Sprintf("port %q, want 9000 (the native protocol)", u.Port())}))
		}
		if !in.users[u.User.Username()] {
			probs = append(probs, o.problem(fieldError{"stringData.dsn", fmt.Sprintf("user %q is not a user of ClickHouseInstallation %s", u.User.Username(), in.obj.name)}))
		}
	}
	for _, ref := range in.secrets {
		parts := strings.Split(ref, "/")
		if len(parts) == 2 {
			parts = append([]string{in.obj.ns}, parts...)
		}
		if len(parts) != 3 {
			probs = append(probs, place(in.obj, fieldError{"spec.configuration.users", fmt.Sprintf("secret reference %q: want namespace/name/key", ref)}))
			continue
		}
		if keys, ok := clickhouse.secrets[key(parts[0], parts[1])]; !ok || !keys[parts[2]] {
			probs = append(probs, place(in.obj, fieldError{"spec.configuration.users", fmt.Sprintf("secret %s: no such Secret and key in the example Secrets", ref)}))
		}
	}
	// Keeper nodes: <statefulset>-<ordinal>.<service>.
	pod := regexp.MustCompile(`^(.+)-(\d+)\.([^.]+)(\..*)?$`)
	for i, n := range in.keepers {
		p := fmt.Sprintf("spec.configuration.zookeeper.nodes[%d]", i)
		m := pod.FindStringSubmatch(n.Host)
		if m == nil {
			continue // an address outside the cluster: nothing to check
		}
		w, ok := clickhouse.workloads[key(in.obj.ns, "StatefulSet/"+m[1])]
		ord, _ := strconv.Atoi(m[2])
		switch {
		case !ok:
			probs = append(probs, place(in.obj, fieldError{p + ".host", fmt.Sprintf("no StatefulSet %s in namespace %s", m[1], in.obj.ns)}))
		case w.service != m[3]:
			probs = append(probs, place(in.obj, fieldError{p + ".host", fmt.Sprintf("StatefulSet %s's pods are named under Service %s, not %s", m[1], w.service, m[3])}))
		case int32(ord) >= w.replicas:
			probs = append(probs, place(in.obj, fieldError{p + ".host", fmt.Sprintf("StatefulSet %s has %d replicas: no pod %d", m[1], w.replicas, ord)}))
		case !hasPortNumber(w.template.Spec, n.Port):
			probs = append(probs, place(in.obj, fieldError{p + ".port", fmt.Sprintf("StatefulSet %s's pods have no port %d", m[1], n.Port)}))
		}
	}
	probs = append(probs, checkRaft(clickhouse, place)...)
	return probs
}

func hasPortNumber(spec corev1.PodSpec, port int) bool {
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			if int(p.ContainerPort) == port {
				return true
			}
		}
	}
	return false
}

// checkRaft checks each keeper configuration (a ConfigMap key holding a
// <raft_configuration>) against the StatefulSet that mounts it: one server
// per pod, by the pods' names, on a port they open.
func checkRaft(ix *index, place func(object, fieldError) Problem) []Problem {
	var probs []Problem
	for _, w := range ix.workloads {
		for _, v := range w.template.Spec.Volumes {
			if v.ConfigMap == nil {
				continue
			}
			data := ix.configMapData[key(w.obj.ns, v.ConfigMap.Name)]
			for k, text := range data {
				var cfg struct {
					Servers []struct {
						ID       int    `xml:"id"`
						Hostname string `xml:"hostname"`
						Port     int    `xml:"port"`
					} `xml:"keeper_server>raft_configuration>server"`
				}
				if !strings.HasSuffix(k, ".xml") || xml.Unmarshal([]byte(text), &cfg) != nil || len(cfg.Servers) == 0 {
					continue
				}
				where := fmt.Sprintf("ConfigMap %s key %s", v.ConfigMap.Name, k)
				if int32(len(cfg.Servers)) != w.replicas {
					probs = append(probs, place(w.obj, fieldError{"spec.replicas", fmt.Sprintf("%d replicas, but %s lists %d raft servers", w.replicas, where, len(cfg.Servers))}))
				}
				for _, s := range cfg.Servers {
					want := fmt.Sprintf("%s-%d.%s", w.obj.name, s.ID-1, w.service)
					if host, _, err := net.SplitHostPort(s.Hostname); err == nil {
						s.Hostname = host
					}
					if s.Hostname != want && !strings.HasPrefix(s.Hostname, want+".") {
						probs = append(probs, place(w.obj, fieldError{"spec.serviceName", fmt.Sprintf("%s: raft server %d is %s, want the pod %s", where, s.ID, s.Hostname, want)}))
					}
					if !hasPortNumber(w.template.Spec, s.Port) {
						probs = append(probs, place(w.obj, fieldError{"spec.template.spec.containers", fmt.Sprintf("%s: raft port %d is no container port", where, s.Port)}))
					}
				}
			}
		}
	}
	return probs
}
