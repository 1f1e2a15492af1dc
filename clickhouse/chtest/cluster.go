package chtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/intops/intops/clickhouse"

	"github.com/intops/intops/internal/proc"
	"github.com/intops/intops/internal/testtier"
)

// ClusterName is the name of the test cluster in remote_servers.
const ClusterName = "intops"

// Cluster is a throwaway replicated ClickHouse cluster on loopback ports:
// one ZooKeeper and Shards × Replicas clickhouse-server processes.
type Cluster struct {
	ZooKeeper *ZooKeeper
	Nodes     []*Node // shard by shard: s1r1, s1r2, s2r1, …
	Shards    int
	Replicas  int
}

// Node is one server of a cluster.
type Node struct {
	*clickhouse.Local
	Shard, Replica int // from 1
}

// Name is the node's replica name, e.g. "s1r2".
func (n *Node) Name() string { return fmt.Sprintf("s%dr%d", n.Shard, n.Replica) }

// StartCluster starts ZooKeeper and the servers, and stops them at the
// end of the test. It fails the test, never skips it, when Debian's
// zookeeper or clickhouse-server is missing.
func StartCluster(t testing.TB, shards, replicas int) *Cluster {
	t.Helper()
	testtier.NeedsServer(t, "a ClickHouse cluster")
	dir, err := os.MkdirTemp("", "intops-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the servers have stopped.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("chtest: the cluster's data and logs are kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	start := time.Now()
	zk := &ZooKeeper{Dir: filepath.Join(dir, "zookeeper")}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := zk.Start(ctx); err != nil {
		t.Fatalf("chtest: cannot start ZooKeeper for the cluster: %v", err)
	}
	t.Cleanup(func() { _ = zk.Stop() })
	c := &Cluster{ZooKeeper: zk, Shards: shards, Replicas: replicas}
	for s := 1; s <= shards; s++ {
		for r := 1; r <= replicas; r++ {
			n := &Node{Local: &clickhouse.Local{LogLevel: "information"}, Shard: s, Replica: r}
			n.Dir = filepath.Join(dir, n.Name())
			for _, p := range []*int{&n.TCPPort, &n.HTTPPort, &n.InterserverPort} {
				if *p, err = clickhouse.FreePort(); err != nil {
					t.Fatal(err)
				}
			}
			c.Nodes = append(c.Nodes, n)
		}
	}
	for _, n := range c.Nodes {
		n.Cluster = c.config(n)
	}
	t.Cleanup(func() {
		for _, n := range c.Nodes {
			_ = n.Stop()
		}
	})
	// The first server creates the distributed DDL queue in ZooKeeper
	// before the others start: 18.16 can crash when several servers
	// create it at the same moment.
	if err := c.Nodes[0].Start(ctx); err != nil {
		t.Fatalf("chtest: cannot start the cluster's first server: %v", err)
	}
	if err := waitDDLQueue(ctx, c.Nodes[0]); err != nil {
		t.Fatalf("chtest: %v", err)
	}
	errs := make(chan error, len(c.Nodes))
	for _, n := range c.Nodes[1:] {
		go func() {
			if err := n.Start(ctx); err != nil {
				errs <- fmt.Errorf("%s: %w", n.Name(), err)
				return
			}
			errs <- nil
		}()
	}
	var failed []error
	for range c.Nodes[1:] {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		t.Fatalf("chtest: cannot start the cluster's servers: %v", errors.Join(failed...))
	}
	t.Logf("chtest: cluster %q of %d shards × %d replicas and ZooKeeper on 127.0.0.1:%d started in %v",
		ClusterName, shards, replicas, zk.Port, time.Since(start).Round(time.Millisecond))
	return c
}

// DSN is the cluster-mode DSN of database db on node i.
func (c *Cluster) DSN(i int, db string) string {
	return c.Nodes[i].DSN(db) + "&cluster=" + ClusterName
}

// waitDDLQueue waits until the server has created the distributed DDL
// queue's node in ZooKeeper.
func waitDDLQueue(ctx context.Context, n *Node) error {
	q := url.QueryEscape("SELECT count() FROM system.zookeeper WHERE path = '/clickhouse/task_queue' AND name = 'ddl'")
	var last string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/?query=%s", n.HTTPPort, q), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if last = strings.TrimSpace(string(b)); last == "1" {
			return nil
		}
	}
	return fmt.Errorf("%s did not create the distributed DDL queue in ZooKeeper within 30s (last answer: %s)", n.Name(), last)
}

// config is node n's part of the server configuration.
func (c *Cluster) config(n *Node) string {
	var b strings.Builder
	b.WriteString("  <remote_servers><" + ClusterName + ">\n")
	for s := 1; s <= c.Shards; s++ {
		b.WriteString("    <shard><internal_replication>true</internal_replication>\n")
		for _, m := range c.Nodes {
			if m.Shard == s {
				fmt.Fprintf(&b, "      <replica><host>127.0.0.1</host><port>%d</port></replica>\n", m.TCPPort)
			}
		}
		b.WriteString("    </shard>\n")
	}
	b.WriteString("  </" + ClusterName + "></remote_servers>\n")
	fmt.Fprintf(&b, "  <zookeeper><node><host>127.0.0.1</host><port>%d</port></node><session_timeout_ms>10000</session_timeout_ms></zookeeper>\n", c.ZooKeeper.Port)
	fmt.Fprintf(&b, "  <macros><shard>%02d</shard><replica>%s</replica></macros>\n", n.Shard, n.Name())
	b.WriteString("  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>\n")
	return b.String()
}

// ZooKeeper is a standalone ZooKeeper server (Debian's zookeeper package)
// bound to 127.0.0.1.
type ZooKeeper struct {
	Dir  string
	Port int // zero picks a free port

	cmd  *exec.Cmd
	done chan error
}

// ErrNoZooKeeper says that Debian's zookeeper package is not installed.
var ErrNoZooKeeper = errors.New("zookeeper not found: install Debian's zookeeper package (apt-get install zookeeper; make deps does this as root)")

const (
	zookeeperJar   = "/usr/share/java/zookeeper.jar"
	slf4jSimpleJar = "/usr/share/java/slf4j-simple.jar"
)

// Start writes zoo.cfg, starts the server and waits until it answers.
func (z *ZooKeeper) Start(ctx context.Context) error {
	java, err := exec.LookPath("java")
	if err != nil {
		return ErrNoZooKeeper
	}
	if _, err := os.Stat(zookeeperJar); err != nil {
		return ErrNoZooKeeper
	}
	if z.Port == 0 {
		if z.Port, err = clickhouse.FreePort(); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(z.Dir, "data"), 0o750); err != nil {
		return err
	}
	cfg := fmt.Sprintf(`tickTime=500
initLimit=10
syncLimit=5
dataDir=%s/data
clientPort=%d
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr
`, z.Dir, z.Port)
	path := filepath.Join(z.Dir, "zoo.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o640); err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(z.Dir, "zookeeper.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	classpath := zookeeperJar
	if _, err := os.Stat(slf4jSimpleJar); err == nil {
		classpath += ":" + slf4jSimpleJar // its log, in zookeeper.log
	}
	cmd := exec.Command(java, "-Xmx256m", "-cp", classpath, "org.apache.zookeeper.server.ZooKeeperServerMain", path)
	cmd.Dir = z.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start zookeeper: %w", err)
	}
	z.cmd, z.done = cmd, make(chan error, 1)
	go func() { z.done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-z.done:
			z.done <- err
			log, _ := os.ReadFile(filepath.Join(z.Dir, "zookeeper.log"))
			return fmt.Errorf("zookeeper exited at start (%v): %s", err, tailString(string(log), 2000))
		case <-ctx.Done():
			_ = z.Stop()
			return ctx.Err()
		default:
		}
		if z.serving() {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = z.Stop()
	return fmt.Errorf("zookeeper did not answer on 127.0.0.1:%d within 60s (log in %s)", z.Port, z.Dir)
}

// serving asks the server whether it serves requests yet (the srvr
// four-letter word: "ruok" answers before the database is loaded).
func (z *ZooKeeper) serving() bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", z.Port), 500*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("srvr")); err != nil {
		return false
	}
	b, _ := io.ReadAll(c)
	return strings.Contains(string(b), "Mode: ")
}

// Stop ends the server and waits for it.
func (z *ZooKeeper) Stop() error {
	if z.cmd == nil || z.cmd.Process == nil {
		return nil
	}
	proc.Stop(z.cmd.Process, syscall.SIGTERM, z.done, 10*time.Second)
	z.cmd = nil
	return nil
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
