"""The include graph keeps the layers apart (DESIGN.md, "Layout"): nothing under
actors/ includes nodes/, shm/ includes no CAF and of ours only the CAF-free
vocabulary headers, and messages/ includes nothing of actors/, shm/ or nodes/.
Run by ctest from the source root; prints every offending include."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
SHM_MAY_INCLUDE = {"messages/quote.hpp", "messages/types.hpp", "messages/names.hpp"}


def includes(folder):
    for name in sorted(os.listdir(os.path.join(ROOT, folder))):
        if not name.endswith((".hpp", ".cpp", ".h")):
            continue
        path = os.path.join(folder, name)
        with open(os.path.join(ROOT, path)) as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if m:
                    yield f"{path}:{number}", m.group(1)


def main():
    problems = []
    for where, header in includes("actors"):
        if header.startswith("nodes/"):
            problems.append(f"{where}: actors/ must not include {header}")
    for where, header in includes("shm"):
        ours = header.split("/")[0] in ("actors", "messages", "nodes", "shm")
        if header.startswith("caf/") or (ours and not header.startswith("shm/")
                                         and header not in SHM_MAY_INCLUDE):
            problems.append(f"{where}: shm/ must not include {header}")
    for where, header in includes("messages"):
        if header.split("/")[0] in ("actors", "shm", "nodes"):
            problems.append(f"{where}: messages/ must not include {header}")
    for p in problems:
        print(p)
    print(f"layering: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
