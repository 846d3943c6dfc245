# ssh.exec content guardrails on the facts the engine computes from context.command.text:
# every simple command the line would run (inside pipelines, lists, subshells, $(...),
# backticks, sh -c / eval / trap strings, wrappers read with their real option syntax).
# Destructive commands are denied wherever they hide; code piped or decoded into a shell is
# denied; changes to the shell's own state that later lines would trigger are denied; on
# production, anything the engine cannot read with certainty is denied, and only exact
# (command, option) shapes on an allow-list run without a reviewer.
package gatehouse.guard

import data.gatehouse.inventory
import data.gatehouse.maintenance
import data.gatehouse.reason
import data.gatehouse.shell_paths

command_facts := input.context.command if input.action == "ssh.exec"

commands := object.get(command_facts, "commands", [])

deny contains reason.make("shell/facts", "ssh.exec needs context.command (the command line)") if {
	input.action == "ssh.exec"
	not command_present
}

command_present if is_object(input.context.command)

deny contains reason.make("shell/parse", concat("", ["the command line does not parse: ", command_facts.parseError])) if {
	is_string(command_facts.parseError)
}

# `!!`, `!-2`, `^old^new`: history expansion rewrites the line after the gate decided it.
deny contains reason.make("shell/history", "a line that starts with history syntax (! or ^) is refused; the decided line must be the line that runs") if {
	regex.match(`^\s*[!^]`, object.get(command_facts, "text", ""))
}

deny contains reason.make("shell/empty", "there is no command to run") if {
	command_facts
	not command_facts.parseError
	count(commands) == 0
}

# --- destructive, everywhere ---

deny contains reason.make("shell/destructive", concat(" ", ["destructive command:", concat(" ", command.argv)])) if {
	some command in commands
	destructive(command)
}

name_of(command) := command.name if is_string(command.name)

else := base if {
	parts := split(command.argv[0], "/")
	base := parts[count(parts) - 1]
}

destructive(command) if name_of(command) in data.shell.always_destructive

destructive(command) if startswith(name_of(command), "mkfs")

destructive(command) if {
	name_of(command) in {"init", "telinit"}
	command.argv[1] in {"0", "6"}
}

destructive(command) if {
	name_of(command) == "systemctl"
	some arg in command.argv
	arg in {"poweroff", "reboot", "halt", "kexec", "emergency", "rescue"}
}

destructive(command) if {
	name_of(command) in {"rm", "chmod", "chown", "chgrp"}
	recursive(command)
	some arg in operands(command)
	critical_path(arg)
}

destructive(command) if {
	name_of(command) == "rm"
	"--no-preserve-root" in command.argv
}

destructive(command) if {
	name_of(command) in {"dd", "shred", "wipefs", "blkdiscard", "sfdisk", "fdisk", "parted", "sgdisk"}
	some arg in command.argv
	device_target(arg)
}

destructive(command) if {
	some redirect in command.redirects
	writes_to(redirect)
	startswith(redirect.target, "/dev/")
	not redirect.target in data.shell.safe_redirect_targets
}

# Every redirection writes except input ones and descriptor copies (`2>&1`, `>&-`);
# `>&FILE` and `N>&FILE` write FILE.
writes_to(redirect) if {
	not redirect.op in {"<", "<<", "<<<", "<<-", "<&"}
	not descriptor_copy(redirect)
}

descriptor_copy(redirect) if {
	redirect.op in {">&", "<&"}
	regex.match(`^([0-9]+|-|[0-9]+-)$`, redirect.target)
}

recursive(command) if {
	some arg in command.argv
	regex.match(`^-[A-Za-z]*[rR]`, arg)
}

# `--recursive` and every GNU abbreviation of it down to `--r`.
recursive(command) if {
	some arg in command.argv
	startswith("--recursive", arg)
	count(arg) >= 3
}

operands(command) := command.operands if is_array(command.operands)

else := [arg | some arg in array.slice(command.argv, 1, count(command.argv)); not startswith(arg, "-")]

critical_path(arg) if arg in data.shell.critical_paths

critical_path(arg) if regex.match(`^~/?[*?]*$`, arg)

# After lexical normalisation: `/`, a top-level directory (or a pattern at that level), or a
# listed critical path, with or without trailing globs (`/etc/**`, `/tmp/../etc`, `//etc`).
critical_path(arg) if {
	not shell_paths.unknown(arg)
	some t in {shell_paths.target(arg)}
	critical_target(t)
}

critical_target(t) if t in data.shell.critical_paths

critical_target(t) if regex.match(`^/[^/]*$`, t)

# A recursive removal or permission change whose path depends on the working directory
# (relative, or after `cd` on the same line) or that cannot be normalised is not judged
# safe: a person decides.
approval contains reason.make("shell/unknown-path", concat("", ["'", concat(" ", command.argv), "' works on a path whose meaning is not known before it runs; it needs approval"])) if {
	some command in commands
	name_of(command) in {"rm", "chmod", "chown", "chgrp"}
	recursive(command)
	some arg in operands(command)
	not critical_path(arg)
	path_unknown(arg)
}

path_unknown(arg) if {
	not startswith(arg, "~")
	shell_paths.unknown(arg)
}

path_unknown(arg) if {
	startswith(arg, "/")
	changes_directory
}

changes_directory if {
	some command in commands
	name_of(command) in {"cd", "pushd", "popd"}
}

device_target(arg) if regex.match(`^(of=)?/dev/(sd|hd|vd|xvd|nvme|mmcblk|dm-|md|loop|mapper/|disk/)`, arg)

# --- code fed to an interpreter, everywhere ---

deny contains reason.make("shell/pipe-to-shell", concat("", ["output piped into ", name_of(command), " runs code nobody reviewed"])) if {
	some command in commands
	name_of(command) in data.shell.interpreters
	command.stdin == "pipe"
	not has_script_operand(command)
}

# `python script.py` reads its file, not stdin; `bash` alone or `bash -s` reads the pipe.
has_script_operand(command) if {
	not name_of(command) in data.shell.shells
	some arg in array.slice(command.argv, 1, count(command.argv))
	not startswith(arg, "-")
}

deny contains reason.make("shell/decoded-code", "decoded data is run as shell code") if {
	some decoder in commands
	name_of(decoder) in data.shell.decoders
	some runner in commands
	runner.dynamic == true
	runs_code(runner)
}

runs_code(command) if name_of(command) in data.shell.shells

runs_code(command) if name_of(command) == "eval"

# --- production ---

deny contains reason.make("shell/dynamic", concat("", ["'", concat(" ", command.argv), "' is only known at run time (", why_dynamic(command), "); not allowed on production"])) if {
	inventory.production
	some command in commands
	command.dynamic == true
}

why_dynamic(command) := concat("; ", command.reasons) if count(object.get(command, "reasons", [])) > 0

else := "a word is only known at run time"

# Outside production a person may decide what the engine cannot read.
approval contains reason.make("shell/unreadable", concat("", ["'", concat(" ", command.argv), "' cannot be read with certainty (", why_dynamic(command), "); it needs approval"])) if {
	not inventory.production
	some command in commands
	command.unreadable == true
}

# --- the shell's own state, everywhere ---

# Prompt hooks, aliases, key bindings, terminal line settings, history and shell options run
# or rewrite code on later lines that no later decision sees.
deny contains reason.make("shell/state", concat("", ["'", concat(" ", command.argv), "' changes how the shell reads or runs later lines (", state_why(command), ")"])) if {
	some command in commands
	session_state_change(command)
}

session_state_change(command) if name_of(command) in data.shell.session_state_commands

session_state_change(command) if {
	some name in object.get(command, "sets", [])
	name in data.shell.hook_variables
}

# A function named like a command or builtin changes what a later line that names it runs.
session_state_change(command) if command.defines in data.shell.protected_names

session_state_change(command) if {
	name_of(command) == "set"
	some arg in array.slice(command.argv, 1, count(command.argv))
	regex.match(`^[-+][A-Za-z]*H|^(histexpand|history|emacs|vi)$`, arg)
}

state_why(command) := concat("", ["sets ", concat(", ", [n | some n in command.sets; n in data.shell.hook_variables])]) if {
	some name in object.get(command, "sets", [])
	name in data.shell.hook_variables
} else := concat("", ["defines a function named ", command.defines]) if {
	command.defines in data.shell.protected_names
} else := concat("", [name_of(command), " is never allowed through the gate"])

# A command that starts its own interactive program (a shell, su, ssh to another host) would
# read later lines itself, with its own rules, past the gate's line-by-line decisions.
approval contains reason.make("shell/interactive", concat("", ["'", concat(" ", command.argv), "' starts an interactive program whose input is not decided line by line; it needs approval"])) if {
	some command in commands
	command.interactive == true
	not name_of(command) in data.shell.escape_capable
}

deny contains reason.make("shell/eval", "eval is not allowed on production") if {
	inventory.production
	some command in commands
	name_of(command) == "eval"
}

deny contains reason.make("shell/escape", concat("", [name_of(command), " can start a shell from inside; not allowed on production"])) if {
	inventory.production
	some command in commands
	name_of(command) in data.shell.escape_capable
}

approval contains reason.make("shell/privilege", concat("", [name_of(command), " on production needs approval"])) if {
	inventory.production
	some command in commands
	name_of(command) in data.shell.privilege
}

approval contains reason.make("shell/service", concat(" ", [concat(" ", command.argv), "on production needs approval"])) if {
	inventory.production
	some command in commands
	service_change(command)
}

service_change(command) if {
	name_of(command) in data.shell.service_managers
	not service_read_only(command)
}

service_read_only(command) if {
	name_of(command) == "systemctl"
	operands(command)[0] in data.shell.service_read_verbs
	every operand in array.slice(operands(command), 1, count(operands(command))) {
		not operand in data.shell.service_change_verbs
	}
}

service_read_only(command) if {
	name_of(command) == "service"
	operand_rule_holds("service_status", {"operands": operands(command)})
}

approval contains reason.make("shell/not-read-only", concat("", ["'", concat(" ", command.argv), "' is not a read-only diagnostic; on production it needs approval"])) if {
	inventory.production
	some command in commands
	not read_only(command)
	not name_of(command) in data.shell.privilege
	not service_change(command)
}

# Production allow-list: a command is read-only only in an exact (command, option) shape of
# data.shell.readonly_shapes, with option spellings matched as getopt reads them (clusters of
# flags, a value attached or in the next word, `--long` or `--long=value`); abbreviated long
# options are not on the list and need a reviewer. Nothing that writes a file, changes the
# shell, runs code or starts an interactive program is read-only.
read_only(command) if {
	shape := data.shell.readonly_shapes[name_of(command)]
	not command.setsShellState == true
	not command.interactive == true
	not command.unreadable == true
	not writes_file(command)
	every option in object.get(command, "options", []) {
		option_allowed(shape, option)
	}
	operands_allowed(shape, command)
	globs_allowed(shape, command)
}

read_only(command) if {
	name_of(command) in data.shell.harmless_state
	not writes_file(command)
}

option_allowed(shape, _) if shape.any_options == true

option_allowed(shape, option) if option in object.get(shape, "exact", [])

# A short cluster: flags, then at most one option whose value is attached or follows.
option_allowed(shape, option) if {
	not startswith(option, "--")
	regex.match(concat("", ["^-", flag_class(object.get(shape, "flags", "")), "(?:", value_class(object.get(shape, "values", "")), ".*)?$"]), option)
}

option_allowed(shape, option) if {
	startswith(option, "--")
	not contains(option, "=")
	option in array.concat(object.get(shape, "long", []), object.get(shape, "long_values", []))
}

option_allowed(shape, option) if {
	startswith(option, "--")
	name := split(option, "=")[0]
	name in object.get(shape, "long_values", [])
}

flag_class(letters) := concat("", ["[", letters, "]*"]) if letters != ""

else := ""

# With no value-taking options the group must match nothing: `(?:[^\s\S].*)?` never does.
value_class(letters) := concat("", ["[", letters, "]"]) if letters != ""

else := `[^\s\S]`

operands_allowed(shape, _) if {
	not shape.max_operands
	not shape.operand_rule
}

operands_allowed(shape, command) if count(object.get(command, "operands", [])) <= shape.max_operands

operands_allowed(shape, command) if {
	shape.operand_rule
	operand_rule_holds(shape.operand_rule, command)
}

operand_rule_holds("date_format_only", command) if {
	every operand in command.operands {
		startswith(operand, "+")
	}
}

operand_rule_holds("service_status", command) if {
	count(command.operands) == 2
	command.operands[1] == "status"
}

operand_rule_holds("systemctl_read_verb", command) if command.operands[0] in data.shell.service_read_verbs

operand_rule_holds("ip_show", command) if {
	command.operands[0] in data.shell.ip_objects
	count(command.operands) == 1
}

operand_rule_holds("ip_show", command) if {
	command.operands[0] in data.shell.ip_objects
	command.operands[1] in {"show", "list", "ls", "get"}
}

# An unquoted pattern may expand to a file name that reads as an option (`-o`, `-delete`):
# only commands none of whose options write may take them.
globs_allowed(_, command) if count(object.get(command, "globs", [])) == 0

globs_allowed(shape, _) if shape.globs == true

writes_file(command) if {
	some redirect in command.redirects
	writes_to(redirect)
	redirect.target != "/dev/null"
}

# Outside production, restarting services runs in a maintenance window or with approval.
approval contains reason.make("shell/maintenance-window", concat("", ["'", concat(" ", command.argv), "' outside a maintenance window needs approval"])) if {
	not inventory.production
	some command in commands
	service_change(command)
	not maintenance.open
}
