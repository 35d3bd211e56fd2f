#Requires -Version 7.4
# Runs the Pester suite (tests/Pester/*.Tests.ps1) against the built module and ends with the plain summary line
# "Pester: N passed, N failed, N skipped". Fails when a test failed, a container could not run, or nothing ran.
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [string[]] $Path = @(Join-Path $PSScriptRoot '*.Tests.ps1'),
    [string[]] $FullName = @()
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest
$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputPath = Join-Path $PSScriptRoot '..' '..' 'out' 'pester-results.xml'
if ($FullName) {
    $configuration.Filter.FullName = $FullName
}
# One PostgreSQL for every file (each test makes its own database): the files find it through SCHEMAMIGRATE_TEST_PG.
Import-Module (Join-Path $PSScriptRoot 'TestPostgres.psm1')
$server = if (-not $env:SCHEMAMIGRATE_TEST_PG) { Start-TestPostgres }
# The folders the tests make (migrations, artifacts, repositories) go under one that is removed afterwards.
$env:SCHEMAMIGRATE_PESTER_TEMP = Join-Path ([System.IO.Path]::GetTempPath()) ('schemamigrate-pester-run-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Path $env:SCHEMAMIGRATE_PESTER_TEMP | Out-Null
try {
    if ($server) {
        $env:SCHEMAMIGRATE_TEST_PG = Get-TestConnectionString -Server $server
    }
    $run = Invoke-Pester -Configuration $configuration
}
finally {
    Remove-Item -LiteralPath $env:SCHEMAMIGRATE_PESTER_TEMP -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:SCHEMAMIGRATE_PESTER_TEMP
    if ($server) {
        Remove-Item Env:SCHEMAMIGRATE_TEST_PG
        Stop-TestPostgres -Server $server
    }
}
$broken = @($run.Containers | Where-Object Result -eq 'Failed').Count
"Pester: $($run.Containers.Count) files in $([int]$run.Duration.TotalSeconds)s, $broken of them failed to run"
"Pester: $($run.PassedCount) passed, $($run.FailedCount) failed, $($run.SkippedCount) skipped"
if ($run.FailedCount -gt 0 -or $broken -gt 0 -or $run.PassedCount -eq 0) {
    exit 1
}
