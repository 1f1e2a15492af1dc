package jira

import "strings"

// Node is a node of the Atlassian Document Format, the rich text of Jira
// Cloud's descriptions and comments.
type Node struct {
	Type    string         `json:"type"`
	Version int            `json:"version,omitempty"` // doc only: 1
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []Node         `json:"content,omitempty"`
	Text    string         `json:"text,omitempty"`
	Marks   []Mark         `json:"marks,omitempty"`
}

// Mark is a text node's formatting: strong, link…
type Mark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// Doc is a document of blocks; empty blocks are left out (ADF refuses
// empty text nodes and empty paragraphs' text).
func Doc(blocks ...Node) Node {
	d := Node{Type: "doc", Version: 1, Content: []Node{}}
	for _, b := range blocks {
		if b.Type != "" && (len(b.Content) > 0 || b.Type == "rule") {
			d.Content = append(d.Content, b)
		}
	}
	if len(d.Content) == 0 {
		d.Content = append(d.Content, Paragraph(Text("(empty)")))
	}
	return d
}

// Paragraph is a paragraph of inline nodes; empty texts are left out.
func Paragraph(inline ...Node) Node {
	p := Node{Type: "paragraph"}
	for _, n := range inline {
		if n.Type == "text" && n.Text == "" {
			continue
		}
		p.Content = append(p.Content, n)
	}
	return p
}

// Heading is a heading of a level from 1 to 6.
func Heading(level int, text string) Node {
	if text == "" {
		return Node{}
	}
	return Node{Type: "heading", Attrs: map[string]any{"level": level}, Content: []Node{Text(text)}}
}

// Bullets is a bullet list, one paragraph per item; empty items are left
// out, and a list without items is empty.
func Bullets(items ...string) Node {
	l := Node{Type: "bulletList"}
	for _, it := range items {
		if it = oneLine(it); it != "" {
			l.Content = append(l.Content, Node{Type: "listItem", Content: []Node{Paragraph(Text(it))}})
		}
	}
	return l
}

// Text is plain text (line breaks become spaces).
func Text(s string) Node { return Node{Type: "text", Text: oneLine(s)} }

// Strong is bold text.
func Strong(s string) Node {
	n := Text(s)
	n.Marks = []Mark{{Type: "strong"}}
	return n
}

// Link is text linking to href.
func Link(text, href string) Node {
	n := Text(text)
	if href != "" {
		n.Marks = []Mark{{Type: "link", Attrs: map[string]any{"href": href}}}
	}
	return n
}

// PlainText is a document's text, its nodes' texts joined by spaces.
func PlainText(n Node) string {
	var b strings.Builder
	var walk func(Node)
	walk = func(n Node) {
		if n.Text != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(n.Text)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func oneLine(s string) string {
	return strings.TrimSpace(strings.Join(strings.Fields(s), " "))
}
