#!/usr/bin/env python3
"""Validates plan files against gameday's plan schema with a real JSON Schema validator (jsonschema, draft 2020-12).

    validate.py SCHEMA FILE...

Prints one line per file: `FILE: ok`, `FILE: invalid: PATH: MESSAGE` (one line per error) or
`FILE: skipped: scheduler configuration`. Exit status: 0 every plan valid, 1 some plan invalid, 3 the validator
(python3-jsonschema, python3-yaml) is missing or the schema itself is not a valid draft 2020-12 schema.
"""
import json
import sys

try:
    import yaml
    from jsonschema import Draft202012Validator
except ImportError as error:
    print(f"validate.py: {error}; install python3-jsonschema and python3-yaml (make deps-test)", file=sys.stderr)
    sys.exit(3)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 3
    with open(argv[1], encoding="utf-8") as handle:
        schema = json.load(handle)
    try:
        Draft202012Validator.check_schema(schema)
    except Exception as error:  # jsonschema.SchemaError, with the schema path in its message
        print(f"validate.py: {argv[1]} is not a valid draft 2020-12 schema: {error}", file=sys.stderr)
        return 3
    validator = Draft202012Validator(schema)
    status = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as handle:
                document = yaml.safe_load(handle)
        except (OSError, yaml.YAMLError) as error:
            status = 1
            print(f"{path}: invalid: not readable as YAML: {' '.join(str(error).split())}")
            continue
        if isinstance(document, dict) and "scenarios" in document and "steps" not in document:
            print(f"{path}: skipped: scheduler configuration")
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
        if not errors:
            print(f"{path}: ok")
            continue
        status = 1
        for error in errors:
            where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
            print(f"{path}: invalid: {where}: {error.message}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
