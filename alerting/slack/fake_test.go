package slack

import (
	"testing"

	"github.com/intops/intops/alerting/slack/slacktest"
)

type fakeMsg = slacktest.Message

type fakeSlack struct{ *slacktest.Server }

func newFakeSlack(t *testing.T) *fakeSlack { return &fakeSlack{slacktest.New(t)} }

func (f *fakeSlack) notifier(opts ...Option) *Notifier {
	return New(slacktest.Token, append([]Option{WithAPIURL(f.URL)}, opts...)...)
}
