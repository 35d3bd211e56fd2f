#!/usr/bin/env bash
# Runs every test SchemaMigrate has: the xunit suite (engine, MigrateRunner, cmdlet operations, module metadata and
# load-context isolation, Azure clients against the local fake) on a throwaway PostgreSQL, a grammar check of every
# PowerShell file, and the Pester suite when pwsh is on PATH. Set SCHEMAMIGRATE_TEST_PG to a superuser connection
# string to use your own server.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -d tools/ps-grammar/node_modules ]; then
  (cd tools/ps-grammar && npm ci --no-audit --no-fund --loglevel=error)
fi

dotnet build SchemaMigrate.sln -c Release --nologo -v q
dotnet publish src/SchemaMigrate.Cmdlets -c Release --nologo -v q
dotnet test tests/Unit -c Release --no-build --nologo --logger "console;verbosity=normal"

# pwsh cannot run on every build machine, so a real PowerShell grammar parses every PowerShell file.
node tools/ps-grammar/check.mjs .

if command -v pwsh >/dev/null; then
  pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Pester
else
  echo "pwsh is not on PATH: the Pester suite (tests/Pester) runs in the GitHub Actions workflow instead"
fi
