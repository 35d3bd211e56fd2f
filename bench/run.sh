#!/usr/bin/env bash
# Side-by-side comparison of MigrateRunner with psql (the floor) and dbmate on this machine.
# Usage: bench/run.sh [runs]   (default 5). Writes bench/results.md.
set -euo pipefail
cd "$(dirname "$0")"
# npm ci rejects this lock file: npm 11 omits the other platforms' optional binaries from it.
npm install --no-audit --no-fund --silent
# As the Dockerfile builds the .NET 10 image: ReadyToRun code the runtime actually uses.
dotnet publish ../src/MigrateRunner -c Release -f net10.0 -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o .out/runner --nologo -v q
dotnet run -c Release --project Bench.csproj -- "$(cd .. && pwd)" "${1:-5}"
