#!/usr/bin/env python3
"""Validates a CycloneDX 1.5 JSON SBOM against the specification's schema, strictly, with the
CycloneDX project's own library (cyclonedx-python-lib[json-validation], from PyPI).
usage: validate-sbom.py FILE   (exit 1 and the errors when it is not valid)"""
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

with open(sys.argv[1], encoding="utf-8") as sbom:
    errors = JsonStrictValidator(SchemaVersion.V1_5).validate_str(sbom.read())
if errors:
    print(f"{sys.argv[1]}: not a valid CycloneDX 1.5 SBOM: {errors}", file=sys.stderr)
    sys.exit(1)
print(f"{sys.argv[1]}: valid CycloneDX 1.5")
