package command

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"sweep/internal/command/argv"
)

// maxIdentityFile is the most bytes of one file that Identity reads.
const maxIdentityFile = 64 << 20

// Identity returns the files p's argv names and a SHA-256 that identifies
// the program a sweep runs: over its argv (as written, placeholders and
// all) and, for each file, its path as written and its bytes, so that
// editing train.py makes a new sweep identity and editing an unrelated file
// does not.
//
// The files are, in argv order and each once: argv[0] when it contains a
// slash (it must exist), and every other element without a placeholder
// ({{ and }} undone) that names an existing regular file, relative to p.Dir
// unless absolute. Symlinks are followed. The paths are returned as
// written. p.Dir itself is not hashed, so the same sweep in another
// checkout has the same identity.
//
// Identity returns an error when argv is malformed, argv[0] names a path
// that is not a regular file, a file cannot be read, or a file is larger
// than 64 MiB.
func Identity(p Program) (files []string, sum [sha256.Size]byte, err error) {
	// Placeholders are not resolved here: parse with every name allowed.
	t, err := argv.Parse(p.Argv, placeholderNames(p.Argv))
	if err != nil {
		return nil, sum, err
	}
	h := sha256.New()
	writeString := func(s string) {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		io.WriteString(h, s)
	}
	writeString("sweep command identity v1")
	writeString(fmt.Sprint(len(p.Argv)))
	for _, a := range p.Argv {
		writeString(a)
	}
	seen := map[string]bool{}
	for i := range t.Len() {
		name, ok := t.Literal(i)
		if !ok || name == "" || seen[name] {
			continue
		}
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.Dir, path)
		}
		program := i == 0 && strings.ContainsRune(name, '/')
		if i == 0 && !program {
			// A program found through PATH is the file that runs: its
			// bytes are the identity too (a new python3 makes a new
			// version), not those of a file of its name in Dir.
			if path, err = lookProgram(p.Dir, name); err != nil {
				return nil, sum, err
			}
			program = true
		}
		fi, err := os.Stat(path)
		switch {
		case program && err != nil:
			return nil, sum, fmt.Errorf("program %s: %w", name, err)
		case program && !fi.Mode().IsRegular():
			return nil, sum, fmt.Errorf("program %s is not a regular file", name)
		case err != nil && !notAPath(err):
			// Say so rather than leave the file out: the identity must not
			// depend on who runs the sweep.
			return nil, sum, fmt.Errorf("command[%d] %s: %w", i+1, name, err)
		case err != nil || !fi.Mode().IsRegular():
			continue // an argument, a directory, a device: not a file of the program
		}
		seen[name] = true
		files = append(files, name)
		writeString(name)
		if err := hashFile(h, path); err != nil {
			return nil, sum, fmt.Errorf("command[%d] %s: %w", i+1, name, err)
		}
	}
	h.Sum(sum[:0])
	return files, sum, nil
}

// hashFile writes the SHA-256 of the file's bytes to h.
func hashFile(h hash.Hash, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fh := sha256.New()
	n, err := io.Copy(fh, io.LimitReader(f, maxIdentityFile+1))
	if err != nil {
		return err
	}
	if n > maxIdentityFile {
		return fmt.Errorf("larger than %d MiB, too large to fingerprint", maxIdentityFile>>20)
	}
	h.Write(fh.Sum(nil))
	return nil
}

// notAPath reports whether a Stat error means the text names no file at
// all: it does not exist, goes through a file, or is too long a name.
func notAPath(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) ||
		errors.Is(err, syscall.ENAMETOOLONG) || errors.Is(err, syscall.EINVAL)
}

// placeholderNames returns the names of args' well-formed placeholders.
func placeholderNames(args []string) []string {
	var names []string
	for _, a := range args {
		for i := 0; i < len(a); i++ {
			switch {
			case strings.HasPrefix(a[i:], "{{"), strings.HasPrefix(a[i:], "}}"):
				i++
			case a[i] == '{':
				if end := strings.IndexByte(a[i+1:], '}'); end >= 0 {
					if n := a[i+1 : i+1+end]; argv.IsName(n) {
						names = append(names, n)
					}
					i += end
				}
			}
		}
	}
	return names
}
