package clickhouseexporter

import (
	"errors"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/intops/intops/clickhouse"
)

// Config of the intops_clickhouse exporter.
type Config struct {
	// DSN of the ClickHouse server: clickhouse://user:password@host:9000/database.
	DSN configopaque.String `mapstructure:"dsn"`
	// Cluster, when set, is the ClickHouse cluster (remote_servers) the
	// tables are spread over: cluster mode of the migrations, writes
	// through the Distributed tables (docs/operations.md).
	Cluster string `mapstructure:"cluster"`
	// CreateSchema applies the embedded migrations on first connect.
	CreateSchema bool `mapstructure:"create_schema"`

	// HeartbeatInterval: how often the collector writes its own health
	// (spans received, stored, failed, queued; the last export error) to
	// ClickHouse's collector_health table (default 15s). Heartbeats that
	// cannot be written wait, up to a day of them.
	HeartbeatInterval time.Duration `mapstructure:"heartbeat_interval"`
	// Instance names this collector in its heartbeats (default: the host
	// name and process id).
	Instance string `mapstructure:"instance"`

	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// RetryConfig: max_elapsed_time 0 (the default here) retries until
	// ClickHouse is back, so that an outage delays data and never drops it.
	RetryConfig configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
}

func createDefaultConfig() *Config {
	retry := configretry.NewDefaultBackOffConfig()
	retry.InitialInterval = 500 * time.Millisecond
	retry.MaxInterval = 10 * time.Second
	retry.MaxElapsedTime = 0
	q := exporterhelper.NewDefaultQueueConfig()
	q.NumConsumers = 4
	q.QueueSize = 2000
	q.BlockOnOverflow = false
	// Batching is on: ClickHouse wants few large inserts, not one per
	// OTLP request.
	q.Batch = configoptional.Some(exporterhelper.BatchConfig{
		FlushTimeout: 200 * time.Millisecond,
		Sizer:        exporterhelper.RequestSizerTypeItems,
		MinSize:      20000,
		MaxSize:      50000,
	})
	return &Config{
		DSN:           "clickhouse://127.0.0.1:9000/intops",
		CreateSchema:  true,
		TimeoutConfig: exporterhelper.TimeoutConfig{Timeout: 30 * time.Second},
		RetryConfig:   retry,
		QueueConfig:   configoptional.Some(q),
	}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.DSN == "" {
		return errors.New("dsn is required (clickhouse://host:9000/database)")
	}
	if _, err := clickhouseDSN(string(c.DSN)); err != nil {
		return err
	}
	if c.HeartbeatInterval < 0 {
		return errors.New("heartbeat_interval must not be negative")
	}
	if c.Cluster != "" {
		if err := clickhouse.CheckCluster(c.Cluster); err != nil {
			return err
		}
	}
	return nil
}

func clickhouseDSN(dsn string) (string, error) {
	if len(dsn) < len("clickhouse://") || dsn[:len("clickhouse://")] != "clickhouse://" {
		return "", errors.New("dsn " + clickhouse.Redact(dsn) + ": want clickhouse://host:9000/database")
	}
	return dsn, nil
}
