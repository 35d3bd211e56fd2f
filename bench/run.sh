#!/usr/bin/env bash
# Every case of BENCHMARKS.md in one command on a fresh machine: MigrateRunner beside dbmate, psql and squawk, the
# module in a fresh pwsh. Usage: bench/run.sh [runs]   (default 3). Writes BENCHMARKS.md at the repository root.
set -euo pipefail
cd "$(dirname "$0")"
# dbmate and squawk, pinned in package.json. npm ci rejects this lock file: npm 11 omits the other platforms'
# optional binaries from it.
npm install --no-audit --no-fund --silent
# As the Dockerfile publishes it for the .NET 10 image: framework-dependent, ReadyToRun for every assembly.
dotnet publish ../src/MigrateRunner -c Release -f net10.0 -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o .out/runner --nologo -v q
# The module as build.ps1 lays it out, and the pwsh test.sh uses.
dotnet publish ../src/SchemaMigrate.Cmdlets -c Release --nologo -v q
if [ "$(../.tools/pwsh/pwsh -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null)" != "7.6.9" ]; then
  rm -rf ../.tools/pwsh
  dotnet tool install PowerShell --version 7.6.9 --tool-path ../.tools/pwsh
fi
dotnet run -c Release --project Bench.csproj -- "$(cd .. && pwd)" "${1:-3}"
