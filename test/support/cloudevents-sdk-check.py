"""Reads audit records from stdin, one JSON object a line, and parses each with the official
CloudEvents Python SDK (cloudevents 2.x). A record is either {"line": "<event JSON>"} (the JSON
event format: a file line or a structured-mode Kafka value) or {"headers": {...}, "key": "...",
"value": "<text>"} (a Kafka record, binary or structured mode: the SDK picks). Prints one JSON
object a line: {"ok": true, "id", "type", "extensions": {...}} or {"ok": false, "error"}."""
import json
import sys

from cloudevents.core.bindings import kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

FORMAT = JSONFormat()

for raw in sys.stdin:
    raw = raw.strip()
    if not raw:
        continue
    record = json.loads(raw)
    try:
        if "line" in record:
            event = FORMAT.read(CloudEvent, record["line"].encode("utf-8"))
        else:
            message = kafka.KafkaMessage(
                headers={name: value.encode("utf-8") for name, value in record["headers"].items()},
                key=record.get("key"),
                value=record["value"].encode("utf-8"),
            )
            event = kafka.from_kafka(message, FORMAT, CloudEvent)
        attributes = event.get_attributes()
        out = {
            "ok": True,
            "id": event.get_id(),
            "type": event.get_type(),
            "time": attributes["time"].isoformat() if attributes.get("time") is not None else None,
            "extensions": {
                name: str(value)
                for name, value in attributes.items()
                if name not in ("specversion", "id", "source", "type", "time", "subject", "datacontenttype", "dataschema")
            },
            "data": event.get_data(),
        }
    except Exception as error:  # every SDK rejection is reported, not raised
        out = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    print(json.dumps(out, default=str), flush=True)
