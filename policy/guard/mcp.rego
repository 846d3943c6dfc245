# MCP calls through `gatehouse proxy mcp`. Resources are McpTool:SERVER/TOOL (and McpResource,
# McpPrompt); data.mcp.tools lists the tools this gateway knows and what each one is. An unknown
# tool is hidden from lists (mcp.connect) and denied when called. A SQL tool is read-only, on
# the facts the engine computes from the argument the proxy names as SQL, and its results have
# personal data masked; a shell tool runs only the production allow-list of read-only
# diagnostics; a tool that acts for someone (sending email) waits for a reviewer.
package gatehouse.guard

import data.gatehouse.inventory
import data.gatehouse.reason

mcp_tool := data.mcp.tools[input.resource.id] if input.resource.type == "McpTool"

mcp_call if {
	input.action == "mcp.tools.call"
	mcp_tool
}

deny contains reason.make("mcp/unknown-tool", concat("", ["tool ", input.resource.id, " is not on this gateway's list of known tools"])) if {
	input.action in {"mcp.connect", "mcp.tools.call"}
	input.resource.type == "McpTool"
	not data.mcp.tools[input.resource.id]
}

# --- a read-only SQL tool ---

mcp_sql := input.context.sql if {
	mcp_call
	mcp_tool.kind == "sql"
}

deny contains reason.make("mcp/sql-missing", concat("", ["tool ", input.resource.id, " takes SQL, and the call names none"])) if {
	mcp_call
	mcp_tool.kind == "sql"
	not mcp_sql_present
}

mcp_sql_present if is_object(input.context.sql)

deny contains reason.make("mcp/sql-parse", concat("", ["the SQL does not parse: ", mcp_sql.parseError])) if {
	is_string(mcp_sql.parseError)
}

deny contains reason.make("mcp/sql-read-only", concat("", ["tool ", input.resource.id, " is read-only: ", statement.kind, " statements are not allowed"])) if {
	some statement in object.get(mcp_sql, "statements", [])
	not statement.kind in data.mcp.read_only_sql_kinds
}

deny contains reason.make("mcp/sql-function", concat("", ["function ", name, " is not allowed"])) if {
	some statement in object.get(mcp_sql, "statements", [])
	some name in statement.functions
	name in data.sql.denied_functions
}

# Results come back as JSON: a plain name masks that key wherever it appears in the result.
mask contains column if {
	mcp_sql
	not inventory.privileged
	some column in data.sql.pii_columns
}

# --- a shell tool, production allow-list ---

mcp_command := input.context.command if {
	mcp_call
	mcp_tool.kind == "shell"
}

deny contains reason.make("mcp/shell-missing", concat("", ["tool ", input.resource.id, " takes a command line, and the call names none"])) if {
	mcp_call
	mcp_tool.kind == "shell"
	not mcp_command_present
}

mcp_command_present if is_object(input.context.command)

deny contains reason.make("mcp/shell-parse", concat("", ["the command line does not parse: ", mcp_command.parseError])) if {
	is_string(mcp_command.parseError)
}

deny contains reason.make("mcp/shell-allow-list", concat("", ["not a read-only diagnostic: ", concat(" ", command.argv)])) if {
	some command in object.get(mcp_command, "commands", [])
	not mcp_readonly(command)
}

# The same production allow-list as ssh.exec (shell.rego): exact (command, option) shapes, option
# spellings read as getopt would, no file writes, nothing dynamic.
mcp_readonly(command) if {
	not command.dynamic
	read_only(command)
}

# --- a tool that acts for someone ---

approval contains reason.make("mcp/approval", concat("", ["tool ", input.resource.id, " acts on someone's behalf and needs a reviewer's approval"])) if {
	mcp_call
	mcp_tool.kind == "approval"
}
