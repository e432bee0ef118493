package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// What Open does to name a SQLite file, and the cause, when it cannot use it. SQLite's own
// messages ("unable to open database file", "attempt to write a readonly database") name
// neither; the operating system usually knows why.

// sqliteFile returns the file system path of the SQLite database path names: path itself,
// or the path of a file: URI.
func sqliteFile(path string) string {
	if !strings.HasPrefix(path, "file:") {
		return path
	}
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	if u.Opaque != "" {
		return u.Opaque // file:relative/path.db
	}
	return u.Path
}

// openError is the error of Open when SQLite cannot open file.
func openError(file string, err error) error {
	if cause := fileCause(file); cause != nil {
		return fmt.Errorf("sqlite: opening the SQLite database %s: %w: %w", file, err, cause)
	}
	return fmt.Errorf("sqlite: opening the SQLite database %s: %w", file, err)
}

// fileError adds to err, an error of Open on file, what the operating system tells of the
// file, when SQLite's error is that it cannot open or write it. Other errors pass unchanged.
func fileError(file string, err error) error {
	var se *driver.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_IOERR:
		if cause := fileCause(file); cause != nil {
			return fmt.Errorf("%w: %w", err, cause)
		}
	}
	return err
}

// fileCause returns why file cannot be opened for reading and writing, or created, as the
// operating system tells it; nil when it sees no reason (then SQLite alone refuses to
// write, e.g. under mode=ro).
func fileCause(file string) error {
	fi, err := os.Stat(file)
	switch {
	case err == nil && fi.IsDir():
		return fmt.Errorf("%s is a directory", file)
	case err == nil:
		f, err := os.OpenFile(file, os.O_RDWR, 0)
		if err != nil {
			return err // e.g. "open PATH: permission denied"
		}
		f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	// SQLite creates the file, and in WAL mode the -wal and -shm files, in its directory.
	dir := filepath.Dir(file)
	if fi, err := os.Stat(dir); err != nil {
		return err // e.g. "stat DIR: no such file or directory"
	} else if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".oauthkit-write-check-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot create files in %s: %w", dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}
