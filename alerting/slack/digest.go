package slack

import (
	"bytes"
	"context"
	"errors"

	slackapi "github.com/slack-go/slack"

	"github.com/intops/intops/alerting"
	"github.com/intops/intops/report"
)

var _ report.Publisher = (*Notifier)(nil)

// PostDigest posts a report digest to channel (a name or an ID): its
// headline figures, their trend and a link to the report.
func (s *Notifier) PostDigest(ctx context.Context, channel string, d report.Digest) (report.Posted, error) {
	text, blocks := RenderDigest(d)
	ch, ts, err := s.api.PostMessageContext(ctx, channel, slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks...))
	if err != nil {
		return report.Posted{}, mapError("chat.postMessage", err)
	}
	s.remember(channel, ch)
	return report.Posted{Channel: ch, TS: ts}, nil
}

// AttachFile uploads a file into the thread of a posted message
// (files.getUploadURLExternal, the upload itself, then
// files.completeUploadExternal; the bot needs the files:write scope).
func (s *Notifier) AttachFile(ctx context.Context, at report.Posted, name, title string, data []byte) error {
	if at.Channel == "" || at.TS == "" || len(data) == 0 {
		return &alerting.PermanentError{Code: "invalid_arguments", Err: errors.New("attach " + name + ": no message to attach to, or an empty file")}
	}
	_, err := s.api.UploadFileContext(ctx, slackapi.UploadFileParameters{Reader: bytes.NewReader(data), FileSize: len(data),
		Filename: name, Title: title, Channel: at.Channel, ThreadTimestamp: at.TS})
	return mapError("files.upload", err)
}

// RenderDigest is a digest's fallback text and blocks: a header, a field
// per figure with its trend, and the link to the report.
func RenderDigest(d report.Digest) (string, []slackapi.Block) {
	var r renderer
	blocks := []slackapi.Block{slackapi.NewHeaderBlock(plainText(plain("📊 "+d.Title, maxHeader)))}
	var fields []*slackapi.TextBlockObject
	for _, l := range d.Lines {
		f := "*" + r.esc(l.Label) + "*\n" + r.esc(l.Value)
		if l.Trend != "" {
			f += "\n_" + r.esc(l.Trend) + "_"
		}
		fields = append(fields, slackapi.NewTextBlockObject(slackapi.MarkdownType, fit(f, 2000), false, false))
	}
	for len(fields) > 0 { // at most 10 fields a section
		n := min(len(fields), 10)
		blocks = append(blocks, slackapi.NewSectionBlock(nil, fields[:n], nil))
		fields = fields[n:]
	}
	note := "The SLO and maturity reports are attached in the thread (PDF)."
	if u, ok := webURL(d.URL); ok {
		note = "<" + u + "|Open the report in intops> · " + note
	}
	blocks = append(blocks, contextBlock(note))
	return fit(r.esc(d.Text), maxText), capBlocks(blocks)
}
