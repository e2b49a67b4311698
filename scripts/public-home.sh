#!/usr/bin/env bash
# The project's public home (repository URL, homepage, security contact) is
# not known before the first release. Its one place is Cargo.toml:
# [workspace.package] repository and homepage, and
# [workspace.metadata.public-home] security-contact. This script writes
# those values into the OSS-Fuzz files (oss-fuzz/project.yaml, Dockerfile);
# with --check (CI) it fails when they differ, or when any other file holds
# its own copy of the placeholder domain.
#   scripts/public-home.sh           # write
#   scripts/public-home.sh --check   # check only
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
python3 - "$@" <<'PY'
import re, subprocess, sys, tomllib
check = "--check" in sys.argv[1:]
cargo = tomllib.load(open("Cargo.toml", "rb"))
pkg = cargo["workspace"]["package"]
home = cargo["workspace"]["metadata"]["public-home"]
repo, homepage, contact = pkg["repository"], pkg["homepage"], home["security-contact"]
want = {}
y = open("oss-fuzz/project.yaml").read()
y = re.sub(r'(?m)^homepage: .*$', f'homepage: "{homepage}"', y)
y = re.sub(r'(?m)^main_repo: .*$', f'main_repo: "{repo}"', y)
y = re.sub(r'(?m)^primary_contact: .*$', f'primary_contact: "{contact}"', y)
want["oss-fuzz/project.yaml"] = y
d = open("oss-fuzz/Dockerfile").read()
d = re.sub(r'(?m)^RUN git clone --depth 1 \S+ scboot$', f'RUN git clone --depth 1 {repo} scboot', d)
want["oss-fuzz/Dockerfile"] = d
bad = 0
for path, text in want.items():
    if open(path).read() != text:
        if check:
            print(f"{path} differs from Cargo.toml's public home: run scripts/public-home.sh")
            bad = 1
        else:
            open(path, "w").write(text)
            print(f"wrote {path}")
# No other file may carry the placeholder domain (the README explains it).
allowed = {"Cargo.toml", "README.md", "scripts/public-home.sh", *want}
files = subprocess.run(["git", "grep", "-l", "example.invalid"], capture_output=True, text=True).stdout.split()
for f in files:
    if f not in allowed and not f.startswith(("corpus/", "card/tests/", "cli/tests/")):
        print(f"{f} holds its own copy of the placeholder domain: take it from Cargo.toml")
        bad = 1
placeholder = "example.invalid" in repo + homepage + contact
print("public home:", repo, homepage, contact, "(placeholders: fill in before the first release)" if placeholder else "")
sys.exit(bad)
PY
