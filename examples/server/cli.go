package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// The operator's commands: `go run ./examples/server COMMAND [flags]` does one thing to
// the server's database or key files and exits. A command takes the server's -db and
// -config, and so its storage and hash key, so that what it makes works for the server.

// Exit codes of a command, for scripts.
const (
	exitOK      = 0 // done
	exitFailure = 1 // the command could not do it: storage unavailable, not found, not allowed
	exitUsage   = 2 // bad flags or arguments, as the flag package exits
)

// cmd is one command.
type cmd struct {
	name     string // "clients create"
	synopsis string // its flags and arguments, for its usage
	summary  string
	run      func(c *cli, args []string) error
}

// commands returns every command, in the order the usage lists them.
func commands() []cmd {
	return []cmd{
		{"clients create", "-as LOGIN -name NAME -redirect-uri URI -scopes LIST [-public] [-private] [-implicit] [-json]",
			"register an app owned by an account, as the console does; prints its secret once", (*cli).clientsCreate},
		{"clients list", "-as LOGIN [-json]",
			"list the apps an account manages, as its console does", (*cli).clientsList},
		{"clients rotate-secret", "[-as LOGIN] [-overlap DURATION] [-json] CLIENT_ID",
			"give an app a new secret, printed once; -overlap keeps the old one working a while", (*cli).clientsRotate},
		{"clients delete", "[-as LOGIN] CLIENT_ID",
			"delete an app and revoke every token issued to it", (*cli).clientsDelete},
		{"tokens create-pat", "-as LOGIN -name NAME -scopes LIST [-json]",
			"make a personal access token for an account; prints it once", (*cli).tokensCreatePAT},
		{"keys generate", "-jwt-key PATH [-alg ES256|EdDSA|RS256] [-json]",
			"write a new signing key file for the server's -jwt-key", (*cli).keysGenerate},
		{"keys rotate", "-jwt-key PATH [-alg ALG] [-retire-after DURATION] [-json]",
			"put a new key in that file; the old one stays published until its tokens expire", (*cli).keysRotate},
		{"migrate", "[-db DSN] [-json]",
			"bring the database schema up to date and print its version", (*cli).migrate},
		{"housekeeping", "[-db DSN] [-json]",
			"delete expired codes, tokens and sessions once and print how many records went", (*cli).housekeeping},
	}
}

// groups are the commands named by two words.
var groups = []string{"clients", "tokens", "keys"}

// cli is one run of a command.
type cli struct {
	ctx            context.Context
	cmd            cmd
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command runs the command that args start with and returns the exit code. Results go to
// stdout (secrets only there, and only once); notes and errors go to stderr.
func command(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	name, rest := args[0], args[1:]
	if name == "help" {
		printUsage(stdout)
		return exitOK
	}
	for _, g := range groups {
		if name == g && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			name, rest = g+" "+rest[0], rest[1:]
		}
	}
	for _, cm := range commands() {
		if cm.name == name {
			c := &cli{ctx: ctx, cmd: cm, stdin: stdin, stdout: stdout, stderr: stderr}
			return c.exit(cm.run(c, rest))
		}
	}
	fmt.Fprintf(stderr, "server: unknown command %q\n\n", name)
	printUsage(stderr)
	return exitUsage
}

// printUsage lists the commands.
func printUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  go run ./examples/server [flags]           serve (-h lists the flags)
  go run ./examples/server COMMAND [flags]   do one thing and exit (COMMAND -h lists its flags)

Commands:
`)
	for _, cm := range commands() {
		fmt.Fprintf(w, "  %-22s %s\n", cm.name, cm.summary)
	}
	fmt.Fprint(w, `
The commands that use the database take the server's -db (sqlite:PATH or postgres://...)
and -config (whose hash_key, or OAUTHKIT_HASH_KEY, keys the stored secrets). They act as an
account (-as: its login or ID), with the rights it has in the developer console.
Results go to stdout (-json: as JSON); secrets only there, and only once. Notes and errors
go to stderr. Exit codes: 0 done, 1 failed (storage unavailable, not found, not allowed),
2 bad flags or arguments.
`)
}

// serverUsage is the usage of the server's own flags, which points to the commands.
func serverUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, "Usage: go run ./examples/server [flags]\n       go run ./examples/server COMMAND [flags] (help lists the commands)\n\nFlags:\n")
	fs.PrintDefaults()
}

// usageError is a mistake in the command line: exit code 2. Its lines are printed as
// they are, followed by the command's synopsis when synopsis is set; no lines means the
// flag package has already said what was wrong.
type usageError struct {
	lines    []string
	synopsis bool
}

func (e *usageError) Error() string { return strings.Join(e.lines, "; ") }

func usagef(format string, args ...any) error {
	return &usageError{lines: []string{fmt.Sprintf(format, args...)}, synopsis: true}
}

// exit prints err, if any, and returns the exit code it means.
func (c *cli) exit(err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		for _, l := range ue.lines {
			fmt.Fprintf(c.stderr, "server %s: %s\n", c.cmd.name, l)
		}
		if ue.synopsis {
			fmt.Fprintf(c.stderr, "Usage: go run ./examples/server %s %s (-h for more)\n", c.cmd.name, c.cmd.synopsis)
		}
		return exitUsage
	}
	fmt.Fprintf(c.stderr, "server %s: %v\n", c.cmd.name, err)
	return exitFailure
}

// flags returns the command's flag set, which writes its errors and usage to stderr.
func (c *cli) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("server "+c.cmd.name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: go run ./examples/server %s %s\n\n%s.\n\nFlags:\n", c.cmd.name, c.cmd.synopsis, upperFirst(c.cmd.summary))
		fs.PrintDefaults()
	}
	return fs
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// parse parses args with fs, flags before or after the positional arguments, and returns
// the positional ones, of which the command takes exactly want.
func (c *cli) parse(fs *flag.FlagSet, args []string, want int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{} // the flag package printed the error and the usage
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	switch {
	case len(pos) < want:
		return nil, usagef("missing argument: %s", c.cmd.synopsis[strings.LastIndex(c.cmd.synopsis, " ")+1:])
	case len(pos) > want:
		return nil, usagef("unexpected argument %q", pos[want])
	}
	return pos, nil
}

// printJSON writes v to stdout as indented JSON.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// note writes a line for the person to stderr.
func (c *cli) note(format string, args ...any) {
	fmt.Fprintf(c.stderr, format+"\n", args...)
}

// listFlag is a flag that may be repeated, each value split by split.
type listFlag struct {
	vals  []string
	split func(string) []string
}

func (l *listFlag) String() string { return strings.Join(l.vals, ",") }

func (l *listFlag) Set(v string) error {
	l.vals = append(l.vals, l.split(v)...)
	return nil
}
