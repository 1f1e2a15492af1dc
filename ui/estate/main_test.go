package estate_test

import (
	"testing"

	"github.com/intops/intops/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }
