#!/usr/bin/env bash
# Compares the deploy gate's findings with squawk's on migrations that public npm packages ship, and times lint of
# 1,000 files against squawk on the same files. Usage: bench/gate.sh [runs]  (default 5). Writes bench/gate-results.md.
# The corpus is fetched, never committed: bench/gate/corpus.txt pins each package and version.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund --silent   # squawk-cli, pinned in package.json

rm -rf .corpus && mkdir -p .corpus/tarballs
grep -v '^#' gate/corpus.txt | while read -r spec folder; do
  [ -n "$spec" ] || continue
  tarball=$(cd .corpus/tarballs && npm pack --silent "$spec")
  name=$(echo "$spec" | sed 's/@[^@]*$//; s/^@//; s#/#-#g')
  mkdir -p ".corpus/$name" && tar -xzf ".corpus/tarballs/$tarball" -C ".corpus/$name"
  echo "$spec $folder" > ".corpus/$name/.source"
done

dotnet publish ../src/MigrateRunner -c Release -f net10.0 -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o .out/runner --nologo -v q
dotnet run -c Release --project gate/GateBench.csproj -- "$(cd .. && pwd)" "${1:-5}"
