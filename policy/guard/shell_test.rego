package gatehouse.guard_shell_test

import data.gatehouse.guard

exec(host, commands) := {
	"subject": {"id": "t", "groups": ["web"]},
	"action": "ssh.exec",
	"resource": {"type": "Host", "id": host},
	"context": {"command": {"commands": commands}},
	"time": "2026-11-25T10:00:00Z",
}

cmd(argv) := {"argv": argv, "name": argv[0], "dynamic": false}

ids(reasons) := {r.id | some r in reasons}

test_rm_rf_root_is_destructive if {
	guard.destructive(cmd(["rm", "-rf", "/"]))
	guard.destructive(cmd(["rm", "-fR", "/usr"]))
	not guard.destructive(cmd(["rm", "-rf", "/tmp/build"]))
	not guard.destructive(cmd(["rm", "/"]))
}

test_dd_to_a_device_is_destructive if {
	guard.destructive(cmd(["dd", "if=/dev/zero", "of=/dev/sda"]))
	not guard.destructive(cmd(["dd", "if=/dev/sda", "of=/tmp/disk.img"]))
}

test_redirect_to_a_device_is_destructive if {
	guard.destructive(object.union(cmd(["echo", "x"]), {"redirects": [{"op": ">", "target": "/dev/sda"}]}))
	not guard.destructive(object.union(cmd(["echo", "x"]), {"redirects": [{"op": ">", "target": "/dev/null"}]}))
}

test_the_name_falls_back_to_the_argv_base_name if {
	guard.name_of({"argv": ["/usr/sbin/shutdown", "now"], "dynamic": false}) == "shutdown"
}

test_shell_reading_a_pipe_is_denied_everywhere if {
	commands := [cmd(["curl", "x"]), object.union(cmd(["bash"]), {"stdin": "pipe", "dynamic": true})]
	"gatehouse/shell/pipe-to-shell" in ids(guard.deny) with input as exec("build-dev", commands)
}

test_dynamic_is_denied_on_production_only if {
	commands := [object.union(cmd(["ls", "$X"]), {"dynamic": true})]
	"gatehouse/shell/dynamic" in ids(guard.deny) with input as exec("web-1", commands)
	not "gatehouse/shell/dynamic" in ids(guard.deny) with input as exec("build-dev", commands)
}

test_sudo_needs_approval_on_production if {
	"gatehouse/shell/privilege" in ids(guard.approval) with input as exec("web-1", [cmd(["sudo", "uptime"]), cmd(["uptime"])])
}

test_read_only_diagnostics_need_nothing_on_production if {
	request := exec("web-1", [cmd(["uptime"]), cmd(["df", "-h"])])
	count(guard.deny) == 0 with input as request
	count(guard.approval) == 0 with input as request
}

test_facts_without_operands_use_the_argv if {
	guard.destructive({"argv": ["rm", "-rf", "/etc"], "name": "rm", "dynamic": false})
	not guard.destructive({"argv": ["rm", "-rf", "/tmp/x"], "name": "rm", "dynamic": false})
}

test_dynamic_facts_without_reasons_say_so if {
	facts := {"argv": ["$X"], "name": "$X", "dynamic": true}
	guard.why_dynamic(facts) == "a word is only known at run time"
	some r in guard.deny with input as exec("web-1", [facts])
	contains(r.text, "a word is only known at run time")
}
