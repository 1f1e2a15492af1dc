package clickhouse

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/intops/intops/internal/proc"
)

// Local is a clickhouse-server process that intops manages itself: the
// embedded default of `intops demo` and the throwaway server of tests.
type Local struct {
	Dir      string // data, config and logs live here
	TCPPort  int    // native protocol
	HTTPPort int
	Stdout   *os.File // where the server's console output goes; nil discards
	// InterserverPort, when set, serves replication between the replicas
	// of a cluster (on 127.0.0.1).
	InterserverPort int
	// LogLevel of the server's log (default warning).
	LogLevel string
	// Cluster, when set, is configuration XML (remote_servers, zookeeper,
	// macros, distributed_ddl) written into the server's config.
	Cluster string

	cmd  *exec.Cmd
	done chan error
}

// ErrNoServer says that no clickhouse-server binary was found.
var ErrNoServer = errors.New("clickhouse-server not found: install Debian's clickhouse-server package (apt-get install clickhouse-server), or configure a ClickHouse DSN")

// ServerBinary finds the clickhouse-server executable.
func ServerBinary() (path string, args []string, err error) {
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil, nil
	}
	for _, p := range []string{"/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil, nil
		}
	}
	if p, err := exec.LookPath("clickhouse"); err == nil {
		return p, []string{"server"}, nil
	}
	return "", nil, ErrNoServer
}

// FreePorts returns n distinct loopback TCP ports that are free now (see
// FreePort).
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for len(ports) < n {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// FreePort returns a loopback TCP port that is free now, for a server
// that binds it a moment later. It is drawn at random below the kernel's
// ephemeral range, where no outgoing connection takes a port in the
// meantime and two processes asking at once rarely meet; when that range
// leaves no room, the kernel picks one.
func FreePort() (int, error) {
	lo, hi := 10000, ephemeralLow()
	for range 200 {
		if hi-lo < 1000 {
			break
		}
		p := lo + rand.IntN(hi-lo)
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			l.Close()
			return p, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ephemeralLow is the first port of the kernel's ephemeral range (32768
// when it cannot be read).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	if f := strings.Fields(string(b)); len(f) == 2 {
		if n, err := strconv.Atoi(f[0]); err == nil {
			return n
		}
	}
	return 32768
}

// DSN is the native-protocol DSN of database db on this server.
func (l *Local) DSN(db string) string {
	return fmt.Sprintf("clickhouse://127.0.0.1:%d/%s?dial_timeout=2s", l.TCPPort, db)
}

// Start writes the configuration (ports chosen when zero), starts the
// server bound to 127.0.0.1 and waits until it answers.
func (l *Local) Start(ctx context.Context) error {
	bin, args, err := ServerBinary()
	if err != nil {
		return err
	}
	ports := []*int{&l.TCPPort, &l.HTTPPort}
	if l.Cluster != "" {
		ports = append(ports, &l.InterserverPort)
	}
	for _, p := range ports {
		if *p == 0 {
			if *p, err = FreePort(); err != nil {
				return fmt.Errorf("pick a port: %w", err)
			}
		}
	}
	dir, err := filepath.Abs(l.Dir)
	if err != nil {
		return err
	}
	for _, d := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o750); err != nil {
			return fmt.Errorf("clickhouse dir: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(l.config(dir)), 0o640); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(usersXML), 0o640); err != nil {
		return err
	}
	cmd := exec.Command(bin, append(args, "--config-file="+filepath.Join(dir, "config.xml"))...)
	cmd.Dir = dir
	if l.Stdout != nil {
		cmd.Stdout, cmd.Stderr = l.Stdout, l.Stdout
	}
	// Its own process group: Ctrl-C in a terminal reaches intops, which
	// then stops the server in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start clickhouse-server: %w", err)
	}
	l.cmd = cmd
	l.done = make(chan error, 1)
	go func() { l.done <- cmd.Wait() }()
	return l.wait(ctx, dir)
}

func (l *Local) wait(ctx context.Context, dir string) error {
	url := "http://127.0.0.1:" + strconv.Itoa(l.HTTPPort) + "/ping"
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-l.done:
			l.done <- err
			log, _ := os.ReadFile(filepath.Join(dir, "log", "err.log"))
			return fmt.Errorf("clickhouse-server exited at start (%v); %s", err, tail(log, 2000))
		case <-ctx.Done():
			_ = l.Stop()
			return ctx.Err()
		default:
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = l.Stop()
	return fmt.Errorf("clickhouse-server did not answer on port %d within 60s (logs in %s/log)", l.HTTPPort, dir)
}

// Kill ends the server at once with SIGKILL, as a crash would, and waits
// for it; Start starts it again on the same data.
func (l *Local) Kill() error {
	if l.cmd == nil || l.cmd.Process == nil {
		return nil
	}
	err := l.cmd.Process.Kill()
	<-l.done
	l.cmd = nil
	return err
}

// Stop asks the server to shut down and waits for it (SIGKILL after 20 s).
func (l *Local) Stop() error {
	if l.cmd == nil || l.cmd.Process == nil {
		return nil
	}
	proc.Stop(l.cmd.Process, syscall.SIGTERM, l.done, 20*time.Second)
	l.cmd = nil
	return nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func (l *Local) config(dir string) string {
	return fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
  <logger><level>%[5]s</level><log>%[1]s/log/server.log</log><errorlog>%[1]s/log/err.log</errorlog><size>100M</size><count>3</count></logger>
  <http_port>%[2]d</http_port>
  <tcp_port>%[3]d</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>%[1]s/data/</path>
  <tmp_path>%[1]s/tmp/</tmp_path>
  <user_files_path>%[1]s/user_files/</user_files_path>
  <format_schema_path>%[1]s/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <timezone>UTC</timezone>
%[4]s</yandex>
`, dir, l.HTTPPort, l.TCPPort, l.clusterConfig(), cmp.Or(l.LogLevel, "warning"))
}

func (l *Local) clusterConfig() string {
	if l.InterserverPort == 0 && l.Cluster == "" {
		return ""
	}
	return fmt.Sprintf("  <interserver_http_host>127.0.0.1</interserver_http_host>\n  <interserver_http_port>%d</interserver_http_port>\n%s", l.InterserverPort, l.Cluster)
}

const usersXML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage><log_queries>0</log_queries></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`

// CPUTime is the CPU time the server process has used so far (Linux).
func (l *Local) CPUTime() time.Duration {
	if l.cmd == nil || l.cmd.Process == nil {
		return 0
	}
	return procCPU(l.cmd.Process.Pid)
}

func procCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ = 100
}

// SelfCPUTime is the CPU time this process has used so far (Linux).
func SelfCPUTime() time.Duration { return procCPU(os.Getpid()) }
