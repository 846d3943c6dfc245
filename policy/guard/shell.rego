# ssh.exec content guardrails on the facts the engine computes from context.command.text:
# every simple command the line would run (inside pipelines, lists, subshells, $(...),
# backticks, sh -c / eval strings, sudo/env/timeout wrappers). Destructive commands are
# denied wherever they hide; code piped or decoded into a shell is denied; on production,
# dynamic commands, eval and editors with shell escapes are denied, and anything beyond
# read-only diagnostics waits for a reviewer.
package gatehouse.guard

import data.gatehouse.inventory
import data.gatehouse.maintenance
import data.gatehouse.reason

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
	some arg in array.slice(command.argv, 1, count(command.argv))
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
	redirect.op in {">", ">>", ">|", "&>", "&>>", "<>"}
	startswith(redirect.target, "/dev/")
	not redirect.target in data.shell.safe_redirect_targets
}

recursive(command) if {
	some arg in command.argv
	regex.match(`^-[A-Za-z]*[rR]`, arg)
}

recursive(command) if "--recursive" in command.argv

critical_path(arg) if arg in data.shell.critical_paths

critical_path(arg) if regex.match(`^/+[^/]*/*\*?$`, arg)

critical_path(arg) if regex.match(`^~/?\*?$`, arg)

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

deny contains reason.make("shell/dynamic", concat("", ["'", concat(" ", command.argv), "' is only known at run time; not allowed on production"])) if {
	inventory.production
	some command in commands
	command.dynamic == true
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
	some arg in command.argv
	arg in data.shell.service_read_verbs
}

service_read_only(command) if {
	name_of(command) == "service"
	command.argv[2] == "status"
}

approval contains reason.make("shell/not-read-only", concat("", ["'", concat(" ", command.argv), "' is not a read-only diagnostic; on production it needs approval"])) if {
	inventory.production
	some command in commands
	not read_only(command)
	not name_of(command) in data.shell.privilege
	not service_change(command)
}

read_only(command) if {
	name_of(command) in data.shell.readonly
	not name_of(command) in data.shell.service_managers
	not forbidden_argument(command)
	not writes_file(command)
}

read_only(command) if {
	name_of(command) in data.shell.service_managers
	service_read_only(command)
}

forbidden_argument(command) if {
	some arg in command.argv
	arg in object.get(data.shell.readonly_forbidden_args, name_of(command), [])
}

writes_file(command) if {
	some redirect in command.redirects
	redirect.op in {">", ">>", ">|", "&>", "&>>", "<>"}
	not redirect.target in data.shell.safe_redirect_targets
}

# Outside production, restarting services runs in a maintenance window or with approval.
approval contains reason.make("shell/maintenance-window", concat("", ["'", concat(" ", command.argv), "' outside a maintenance window needs approval"])) if {
	not inventory.production
	some command in commands
	service_change(command)
	not maintenance.open
}
