# METADATA
# description: >-
#   Lexical normalisation of the paths a shell command names, so that `/tmp/../etc`, `/./etc`,
#   `//etc` and `/etc/**` are judged as `/etc`. Nothing is looked up on a file system: a path
#   whose meaning depends on the working directory (relative, or any path after `cd`) or that
#   still holds `..` after normalising is unknown, and callers treat unknown as the worst case.
package gatehouse.shell_paths

# Collapses `//`, drops `.` components, then removes `name/..` pairs (up to eight levels).
normalize(path) := result if {
	startswith(path, "/")
	single := regex.replace(path, `/+`, "/")
	dots := regex.replace(regex.replace(single, `(/\.)+(/|$)`, "/"), `(/\.)+(/|$)`, "/")
	result := trim_trailing(up8(dots))
}

# A `name/..` pair, where name is not itself `..` (RE2 has no look-ahead, hence the spelling).
up(p) := regex.replace(regex.replace(p, `/(?:[^/.][^/]*|\.[^/.][^/]*|\.\.[^/]+)/\.\.(?:/|$)`, "/"), `^/\.\.(?:/|$)`, "/")

up8(p) := up(up(up(up(up(up(up(up(p))))))))

trim_trailing(p) := "/" if p == "/"

else := trim_suffix(p, "/")

# A trailing glob component (`/etc/*`, `/etc/**`) stands for everything in the directory.
without_globs(p) := regex.replace(p, `(/[*?]+)+$`, "")

# The directory a path names once trailing globs are removed; "/" for `/*`.
target(path) := t if {
	stripped := without_globs(normalize(path))
	t := stripped_or_root(stripped)
}

stripped_or_root(p) := "/" if p == ""

else := p

# The path cannot be judged lexically: relative, `..` left over, or a glob before the last part.
unknown(path) if not startswith(path, "/")

unknown(path) if {
	startswith(path, "/")
	contains(normalize(path), "/..")
}

unknown(path) if {
	startswith(path, "/")
	regex.match(`[*?\[][^/]*/`, without_globs(normalize(path)))
}
