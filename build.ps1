#Requires -Version 7.4
<#
.SYNOPSIS
    Builds the SchemaMigrate module into out/SchemaMigrate and runs its tests.
.DESCRIPTION
    Build: dotnet publish lays out out/SchemaMigrate (manifest, cmdlet assembly, Dependencies/ for the engine).
    Test:  the xunit suite, then the Pester suite in a fresh pwsh that imports the built module.
.EXAMPLE
    ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester')]
    [string[]] $Task = @('Build', 'Test'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Native([string] $Command, [string[]] $Arguments) {
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

if ('Build' -in $Task) {
    Invoke-Native dotnet @('build', 'SchemaMigrate.sln', '-c', $Configuration, '--nologo', '-v', 'q')
    Invoke-Native dotnet @('publish', 'src/SchemaMigrate.Cmdlets', '-c', $Configuration, '--nologo', '-v', 'q')
    Write-Host "Module laid out in $(Join-Path $PSScriptRoot 'out/SchemaMigrate')"
}

if ('Test' -in $Task) {
    Invoke-Native dotnet @('test', 'tests/Unit', '-c', $Configuration, '--no-build', '--nologo')
}

if ('Test' -in $Task -or 'Pester' -in $Task) {
    # A loaded binary module cannot be unloaded: run Pester in a fresh process that imports the built module.
    $script = "Import-Module Pester -MinimumVersion 5.5; `$c = New-PesterConfiguration; `$c.Run.Path = 'tests/Pester'; " +
              "`$c.Run.Exit = `$true; `$c.Output.Verbosity = 'Detailed'; `$c.TestResult.Enabled = `$true; " +
              "`$c.TestResult.OutputPath = 'out/pester-results.xml'; Invoke-Pester -Configuration `$c"
    Invoke-Native pwsh @('-NoProfile', '-NonInteractive', '-Command', $script)
}
