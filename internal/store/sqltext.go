package store

import "strings"

// countStatements returns how many SQL statements text holds (see
// splitStatements).
func countStatements(text string) int { return len(splitStatements(text)) }

// splitStatements returns the SQL statements of text: the non-empty pieces
// between semicolons, where semicolons inside quotes ('...', "...", `...`,
// [...]) and comments (-- to the end of the line, /* ... */) do not count.
func splitStatements(text string) []string {
	var stmts []string
	start := 0
	pending := false // a statement has begun since the last semicolon
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == ';':
			if pending {
				stmts = append(stmts, text[start:i])
			}
			start, pending = i+1, false
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			if end := strings.IndexByte(text[i:], '\n'); end >= 0 {
				i += end
			} else {
				i = len(text)
			}
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			if end := strings.Index(text[i+2:], "*/"); end >= 0 {
				i += end + 3
			} else {
				i = len(text)
			}
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closing := c
			if c == '[' {
				closing = ']'
			}
			// A doubled quote inside a string is an escaped quote: skipping
			// to the next one and carrying on gives the same result.
			if end := strings.IndexByte(text[i+1:], closing); end >= 0 {
				i += end + 1
			} else {
				i = len(text)
			}
			pending = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			pending = true
		}
	}
	if pending {
		stmts = append(stmts, text[start:])
	}
	return stmts
}

// leadingWords returns the first n words of a statement in upper case,
// after white space and comments.
func leadingWords(text string, n int) string {
	var words []string
	for len(words) < n {
		text = strings.TrimLeft(text, " \t\r\n(")
		switch {
		case text == "":
			return strings.Join(words, " ")
		case strings.HasPrefix(text, "--"):
			_, text, _ = strings.Cut(text, "\n")
		case strings.HasPrefix(text, "/*"):
			_, text, _ = strings.Cut(text, "*/")
		default:
			end := strings.IndexFunc(text, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_')
			})
			if end < 0 {
				end = len(text)
			}
			if end == 0 {
				return strings.Join(words, " ")
			}
			words, text = append(words, strings.ToUpper(text[:end])), text[end:]
		}
	}
	return strings.Join(words, " ")
}

// stripComments returns the SQL text without its comments (each replaced
// by a space), leaving quoted text as it is.
func stripComments(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			end := strings.IndexByte(text[i:], '\n')
			if end < 0 {
				return b.String()
			}
			i += end - 1
			b.WriteByte(' ')
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
			b.WriteByte(' ')
		case c == '\'' || c == '"' || c == '`':
			end := strings.IndexByte(text[i+1:], c)
			if end < 0 {
				b.WriteString(text[i:])
				return b.String()
			}
			b.WriteString(text[i : i+end+2])
			i += end + 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
