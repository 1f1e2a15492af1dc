package ingest

import (
	"context"
	"fmt"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/nopexporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/memorylimiterprocessor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"

	"github.com/intops/intops/ingest/clickhouseexporter"
	"github.com/intops/intops/ingest/flowprocessor"
	"github.com/intops/intops/ingest/otlpguard"
)

// Factories lists the components of the intops collector distribution.
func Factories() (otelcol.Factories, error) {
	var f otelcol.Factories
	var err error
	if f.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](otlpreceiver.NewFactory()); err != nil {
		return f, err
	}
	if f.Processors, err = otelcol.MakeFactoryMap[processor.Factory](memorylimiterprocessor.NewFactory(), flowprocessor.NewFactory()); err != nil {
		return f, err
	}
	if f.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](clickhouseexporter.NewFactory(), nopexporter.NewFactory()); err != nil {
		return f, err
	}
	if f.Extensions, err = otelcol.MakeFactoryMap[extension.Factory](filestorage.NewFactory(), otlpguard.NewFactory()); err != nil {
		return f, err
	}
	f.Telemetry = otelconftelemetry.NewFactory()
	return f, nil
}

// BuildInfo names the distribution.
var BuildInfo = component.BuildInfo{
	Command:     "intops collector",
	Description: "intops OpenTelemetry Collector distribution",
	Version:     "0.1.0",
}

// NewCollector builds a collector from config URIs (file paths, or
// "yaml:..."/"env:..." URIs as the collector accepts).
func NewCollector(uris ...string) (*otelcol.Collector, error) {
	for i, u := range uris {
		if !hasScheme(u) {
			uris[i] = "file:" + u
		}
	}
	return otelcol.NewCollector(otelcol.CollectorSettings{
		BuildInfo: BuildInfo,
		Factories: Factories,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				URIs: uris,
				ProviderFactories: []confmap.ProviderFactory{
					fileprovider.NewFactory(), envprovider.NewFactory(), yamlprovider.NewFactory(),
				},
				DefaultScheme: "env",
			},
		},
	})
}

// Run runs the collector until ctx ends.
func Run(ctx context.Context, uris ...string) error {
	col, err := NewCollector(uris...)
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	return col.Run(ctx)
}

func hasScheme(u string) bool {
	for i, c := range u {
		if c == ':' {
			return i > 1
		}
		if !(c >= 'a' && c <= 'z') {
			return false
		}
	}
	return false
}
