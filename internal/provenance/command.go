package provenance

import "strings"

// CommandLine returns args as a POSIX shell command line that runs them,
// joined by spaces: plain words stay bare, and each argument that a shell
// would split, expand or treat specially is put in single quotes, a single
// quote inside it ending the quotes for an escaped one. An empty argument
// is a pair of quotes, and a newline stays a newline inside quotes:
//
//	sweep run 'my sweep.yaml' 'it'\''s' '' 'a
//	b'
func CommandLine(args []string) string {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = shellWord(a, i == 0)
	}
	return strings.Join(words, " ")
}

// shellWord returns s as one word of a POSIX shell command line. The first
// word of a command also needs quotes when it reads as an assignment
// (NAME=value), which the shell would take instead of a command name.
func shellWord(s string, first bool) string {
	if s != "" && !strings.ContainsFunc(s, needsQuote) && !(first && isAssignment(s)) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// needsQuote reports whether r is not certain to be literal in an unquoted
// word. Only ASCII letters, digits and a few punctuation marks that no
// POSIX shell treats specially anywhere in a word are; everything else
// (space, quotes, $ ` \ * ? [ ] { } ~ # ! & ; | < > ( ) ^, control
// characters, non-ASCII) is quoted, which never changes the meaning.
func needsQuote(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return false
	}
	return !strings.ContainsRune("_-./=:,+@%", r)
}

// isAssignment reports whether s starts with a shell variable name and "=".
func isAssignment(s string) bool {
	name, _, ok := strings.Cut(s, "=")
	if !ok || name == "" || ('0' <= name[0] && name[0] <= '9') {
		return false
	}
	for _, r := range name {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
