GO      ?= go
# Fuzz runs are counted, not timed: a timed run can end with "context
# deadline exceeded" when a worker is still busy at the deadline.
FUZZRUNS ?= 200000x

.PHONY: all build demo test test-unit test-cluster check-deploy fuzz deps generate bench-ingest bench-clickhouse bench-catalog bench-slo bench-anomaly bench-ui eval-anomaly eval-mscm clean

all: build

deps:
	@./scripts/deps.sh

build:
	$(GO) build -o bin/intops ./cmd/intops

## generate: regenerate the templ components' Go code (ui/*/*_templ.go, report/*_templ.go,
## committed so that a clone builds without the templ CLI)
generate:
	$(GO) generate ./ui/ ./report/

## demo: the whole platform on this machine (managed ClickHouse, collector,
## server, simulated estate) on http://127.0.0.1:8080
demo: deps build
	./bin/intops demo

## test: every test, against a real clickhouse-server, plus a short fuzz run;
## the collector outage test (intops demo with its collector stopped for ten
## minutes, ~16 min) is listed first so that the other packages run beside it
test: deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./internal/outagetest ./...
	$(GO) test -run '^$$' -fuzz FuzzProcess -fuzztime $(FUZZRUNS) ./ingest/flowprocessor
	$(GO) test -run '^$$' -fuzz FuzzClassify -fuzztime $(FUZZRUNS) ./ingest/flowprocessor
	$(GO) test -run '^$$' -fuzz FuzzWire -fuzztime 100000x ./ingest/otlpguard
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 50000x ./catalog
	$(MAKE) check-deploy

## test-unit: the fast tier: every test that needs no server, browser or
## collector process (go test -short), in about a minute
test-unit:
	$(GO) test -short -count=1 ./...

## test-cluster: the scale-out test: ZooKeeper and four clickhouse-server
## processes on loopback as 2 shards x 2 replicas, the migrations in
## cluster mode, the same SLO and anomaly answers as one server, two
## collector processes and a replica killed mid-stream (make test runs it
## too, as part of ./...)
test-cluster: deps
	$(GO) test -count=1 -v -run 'TestScaleOut|TestClusterSchema|TestClusterInTheDSN' -timeout 10m ./internal/clustertest/ ./clickhouse/

## check-deploy: validate the Kubernetes manifests (built with kustomize)
## against the Kubernetes API's own validation and the ClickHouse
## operator's CRD, and docker-compose.yml against the Compose
## specification; offline, in its own module (deploy/check)
check-deploy:
	cd deploy/check && $(GO) test -count=1 .

## bench-ingest: OTLP gRPC -> ClickHouse spans/s against a discarding
## exporter, in one run; writes docs/benchmarks.md
bench-ingest: deps
	INTOPS_BENCH_REPORT=$(CURDIR)/docs/benchmarks.md $(GO) test -run '^$$' -bench BenchmarkIngest -benchtime 1x -timeout 30m ./ingest/

## bench-catalog: load and lint a generated 5,000-integration catalog;
## writes docs/benchmarks.md
bench-catalog:
	INTOPS_BENCH_REPORT=$(CURDIR)/docs/benchmarks.md $(GO) test -run '^$$' -bench BenchmarkLint5000 -benchtime 5x ./catalog/

## bench-slo: SLO evaluation of 1,000 and 10,000 SLOs over 30 days of
## rollups for 1,000 integrations (stores 43 million minutes; ~5 min);
## writes docs/benchmarks.md
bench-slo:
	INTOPS_BENCH_REPORT=$(CURDIR)/docs/benchmarks.md $(GO) test -run '^$$' -bench BenchmarkEvaluate -benchtime 1x -timeout 30m ./analyzer/slo/

## eval-anomaly: the anomaly detectors' precision, recall and detection
## delay on the simulator's labelled incidents, and false alarms by volume
## class, on realistic traffic (3 seeds, ~5 min), then
## `intops anomaly score`'s event F1 on 60 labelled real series
## (eval-mscm, python3, ~1 min); writes docs/benchmarks.md
EVAL_MSCM ?= ../shared/bin/eval-mscm
eval-anomaly:
	$(GO) run ./cmd/intops anomaly eval --catalog examples/estate --seeds 1,2,3 --report $(CURDIR)/docs/benchmarks.md
	$(MAKE) eval-mscm

## eval-mscm: only the labelled real series (see eval-anomaly)
eval-mscm:
	$(GO) build -o bin/intops ./cmd/intops
	scripts/eval-mscm.sh ./bin/intops $(EVAL_MSCM) $(CURDIR)/docs/benchmarks.md

## bench-anomaly: one anomaly evaluation of 1,000 integrations with 28
## days of rollups stored (~4 min to store them); writes docs/benchmarks.md
bench-anomaly:
	INTOPS_BENCH_REPORT=$(CURDIR)/docs/benchmarks.md $(GO) test -run '^$$' -bench BenchmarkEvaluate -benchtime 1x -timeout 30m ./analyzer/anomaly/

## bench-ui: server-side render time of the estate overview and an
## integration page with 1,000 integrations and 30 days of rollups (~4 min
## to store them), then / and /api/v1/integrations loaded by wrk with 32
## connections; writes docs/benchmarks.md
bench-ui: deps
	INTOPS_BENCH_REPORT=$(CURDIR)/docs/benchmarks.md $(GO) test -run '^$$' -bench BenchmarkPages -benchtime 1x -timeout 30m ./ui/
	$(GO) test -run '^$$' -bench BenchmarkOverviewRender -benchmem -count 5 ./ui/estate/

## bench-clickhouse: native batch inserts of 20,000 spans into ClickHouse
bench-clickhouse: deps
	$(GO) test -run '^$$' -bench BenchmarkInsertSpans -benchtime 20x ./clickhouse/

clean:
	rm -rf bin var
