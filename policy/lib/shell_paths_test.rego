package gatehouse.shell_paths_test

import data.gatehouse.shell_paths

test_normalize_collapses_slashes_dots_and_parents if {
	shell_paths.normalize("//etc//") == "/etc"
	shell_paths.normalize("/./etc/.") == "/etc"
	shell_paths.normalize("/tmp/../etc") == "/etc"
	shell_paths.normalize("/../../etc") == "/etc"
	shell_paths.normalize("/a/b/../../..") == "/"
	shell_paths.normalize("/") == "/"
}

test_target_drops_trailing_globs if {
	shell_paths.target("/etc/**") == "/etc"
	shell_paths.target("/etc/*/*") == "/etc"
	shell_paths.target("/*") == "/"
	shell_paths.target("/var/log/") == "/var/log"
}

test_unknown_paths if {
	shell_paths.unknown("build")
	shell_paths.unknown("./x")
	shell_paths.unknown("/a/b/c/d/e/f/g/h/i/../../../../../../../../../x")
	shell_paths.unknown("/srv/*/cache")
	not shell_paths.unknown("/srv/app/cache")
	not shell_paths.unknown("/srv/app/*")
}
