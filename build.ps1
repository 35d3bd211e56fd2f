#Requires -Version 7.4
<#
.SYNOPSIS
    Builds the SchemaMigrate module into out/SchemaMigrate and runs its tests.
.DESCRIPTION
    Build:  dotnet publish lays out out/SchemaMigrate (manifest, format views, help, the cmdlet assembly, and the
            engine with every dependency in Dependencies/), the same layout `dotnet publish src/SchemaMigrate.Cmdlets` gives.
    Test:   the xunit suite and the PowerShell grammar check, then the Pester suite.
    Pester: the Pester suite alone, in a fresh pwsh that imports the built module (Pester 5.7.1 is installed when
            no Pester 5 is present).
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
$pesterVersion = '5.7.1'

function Invoke-Native([string] $Command, [string[]] $Arguments) {
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "$Command $($Arguments -join ' ') failed with exit code $LASTEXITCODE"
    }
}

if ('Build' -in $Task) {
    Invoke-Native dotnet @('build', 'SchemaMigrate.sln', '-c', $Configuration, '--nologo', '-v', 'q')
    Invoke-Native dotnet @('publish', 'src/SchemaMigrate.Cmdlets', '-c', $Configuration, '--nologo', '-v', 'q')
    Write-Host "Module laid out in $(Join-Path $PSScriptRoot 'out' 'SchemaMigrate')"
}

if ('Test' -in $Task) {
    if (-not (Test-Path 'tools/ps-grammar/node_modules')) {
        Invoke-Native npm @('ci', '--prefix', 'tools/ps-grammar', '--no-audit', '--no-fund')
    }
    Invoke-Native dotnet @('test', 'tests/Unit', '-c', $Configuration, '--no-build', '--nologo')
    Invoke-Native node @('tools/ps-grammar/check.mjs', '.')
}

if ('Test' -in $Task -or 'Pester' -in $Task) {
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version.Major -eq 5 } | Sort-Object Version -Descending | Select-Object -First 1
    if (-not $pester) {
        Install-Module -Name Pester -RequiredVersion $pesterVersion -Scope CurrentUser -Force -SkipPublisherCheck
        $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -eq [version]$pesterVersion } | Select-Object -First 1
    }
    # A loaded binary module cannot be unloaded: run Pester in a fresh process that imports the built module.
    $script = "Import-Module '$($pester.Path)'; `$c = New-PesterConfiguration; `$c.Run.Path = 'tests/Pester'; " +
        "`$c.Run.Exit = `$true; `$c.Output.Verbosity = 'Detailed'; `$c.TestResult.Enabled = `$true; " +
        "`$c.TestResult.OutputPath = 'out/pester-results.xml'; Invoke-Pester -Configuration `$c"
    Invoke-Native pwsh @('-NoProfile', '-NonInteractive', '-Command', $script)
}
