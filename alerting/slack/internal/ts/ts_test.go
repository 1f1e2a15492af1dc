package ts

import (
	"testing"
	"time"
)

func TestTimestamps(t *testing.T) {
	at := time.Unix(1772441000, 123456789)
	if got := Format(at); got != "1772441000.123456" {
		t.Errorf("Format = %s", got)
	}
	if !Before("1772441000.123455", at) || Before("1772441000.123457", at) || !Before("", at) || !Before("x", at) {
		t.Error("Before")
	}
	if Before("1772441001", at) {
		t.Error("Before without fraction")
	}
}
