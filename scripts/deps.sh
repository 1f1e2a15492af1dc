#!/usr/bin/env bash
# Installs what intops needs on a Debian machine and is missing:
# clickhouse-server (tests, the demo's managed ClickHouse) and prometheus
# (the SLO tests run a prometheus backfilled with promtool, which also
# checks and unit-tests the generated SLO rules) and chromium
# (the UI's browser tests drive /usr/bin/chromium; reports print PDFs
# with it) and poppler-utils (the report tests render the PDFs' pages
# with pdftoppm and read their text with pdftotext) and zookeeper (the
# scale-out test's ClickHouse cluster coordinates through it) and wrk
# (make bench-ui loads the UI with 32 connections).
set -euo pipefail
missing=()
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  missing+=(prometheus)
fi
if ! command -v clickhouse-server >/dev/null 2>&1 && [ ! -x /usr/sbin/clickhouse-server ]; then
  missing+=(clickhouse-server)
fi
if [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi
if ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  missing+=(poppler-utils)
fi
if [ ! -f /usr/share/java/zookeeper.jar ] || ! command -v java >/dev/null 2>&1; then
  missing+=(zookeeper)
fi
if ! command -v wrk >/dev/null 2>&1; then
  missing+=(wrk)
fi
if ! command -v go >/dev/null 2>&1; then
  echo "deps: Go is not installed: install Go 1.26 or newer (https://go.dev/dl/)" >&2
  exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "deps: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "deps: missing ${missing[*]}." >&2
echo "  On Debian/Ubuntu as root: apt-get install ${missing[*]}" >&2
echo "  Or point intops at an existing ClickHouse: INTOPS_CLICKHOUSE_DSN=clickhouse://host:9000/intops" >&2
exit 1
