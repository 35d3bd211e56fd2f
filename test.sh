#!/usr/bin/env bash
# Runs every test SchemaMigrate has: a grammar check of every PowerShell file (the fast first gate), the xunit suite
# (engine, MigrateRunner, cmdlet operations, module metadata and load-context isolation, Azure clients against the
# local fake) on a throwaway PostgreSQL, then the Pester suite in pwsh 7.6.9 with Pester 5.7.1, both installed here
# from NuGet into .tools/ (git ignores it). A missing pwsh is a failure, never a skip. Set SCHEMAMIGRATE_TEST_PG to a
# superuser connection string to use your own server.
set -euo pipefail
cd "$(dirname "$0")"

pwsh_version=7.6.9
tools="$PWD/.tools"

if [ ! -d tools/ps-grammar/node_modules ]; then
  (cd tools/ps-grammar && npm ci --no-audit --no-fund --loglevel=error)
fi
node tools/ps-grammar/check.mjs .

if [ "$("$tools/pwsh/pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null)" != "$pwsh_version" ]; then
  rm -rf "$tools/pwsh"
  dotnet tool install PowerShell --version "$pwsh_version" --tool-path "$tools/pwsh"
fi
export PATH="$tools/pwsh:$PATH" POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off

dotnet build SchemaMigrate.sln -c Release --nologo -v q
dotnet publish src/SchemaMigrate.Cmdlets -c Release --nologo -v q
dotnet test tests/Unit -c Release --no-build --nologo --logger "console;verbosity=normal"

pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Pester

# What the reliability suite exercised (xunit writes it when its run ends): bad inputs, faults, ARM answers.
cat out/reliability.txt
