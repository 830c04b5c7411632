#!/usr/bin/env python3
"""Fails when a target imports a module it does not declare as a direct dependency in Package.swift.

`swift build --explicit-target-dependency-import-check error` only rejects an import of a module outside the
target's dependency closure: a module that comes through another dependency (Logging through Common) passes it,
and the target breaks the day that dependency drops it. This check wants every imported module declared on the
target that imports it. Modules of the toolchain (Foundation, Glibc, Testing...) need no declaration.

Usage: scripts/check-imports.py (from anywhere; reads `swift package describe --type json`).
"""

import json
import pathlib
import re
import subprocess
import sys

TOOLCHAIN_MODULES = {
    "Darwin", "Dispatch", "Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Musl",
    "Synchronization", "Testing", "XCTest", "_Concurrency",
}
IMPORT = re.compile(
    r"^\s*(?:@\w+\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+"
    r"(?:(?:struct|class|enum|protocol|typealias|func|let|var)\s+)?(\w+)"
)

root = pathlib.Path(__file__).resolve().parent.parent
package = json.loads(subprocess.run(
    ["swift", "package", "describe", "--type", "json"], cwd=root, check=True, capture_output=True, text=True
).stdout)
module_names = {target["name"]: target["c99name"] for target in package["targets"]}

problems = []
for target in package["targets"]:
    if target.get("module_type") != "SwiftTarget":
        continue
    declared = {module_names[name] for name in target.get("target_dependencies", [])}
    declared |= set(target.get("product_dependencies", []))
    for source in sorted((root / target["path"]).rglob("*.swift")):
        for number, line in enumerate(source.read_text().splitlines(), start=1):
            match = IMPORT.match(line)
            if match and match[1] not in declared | TOOLCHAIN_MODULES | {target["c99name"]}:
                problems.append(f"{source.relative_to(root)}:{number}: {target['name']} imports {match[1]}, "
                                f"which its dependencies in Package.swift do not list")

print("\n".join(problems) or "every target declares the modules it imports")
sys.exit(1 if problems else 0)
