# METADATA
# description: >-
#   Reasons as objects with an id and a text; the engine prints them as rego:ID: TEXT.
package gatehouse.reason

make(id, text) := {"id": concat("/", ["gatehouse", id]), "text": text}
