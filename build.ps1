#Requires -Version 7.4
<#
.SYNOPSIS
    Builds the SchemaMigrate module into out/SchemaMigrate and runs its tests.
.DESCRIPTION
    Build:  dotnet publish lays out out/SchemaMigrate (manifest, format views, help, the cmdlet assembly, and the
            engine with every dependency in Dependencies/), the same layout `dotnet publish src/SchemaMigrate.Cmdlets` gives.
    Test:   the PowerShell grammar check and the xunit suite, then the Pester suite.
    Pester: the Pester suite alone, in a fresh pwsh 7.6.9 that imports the built module. pwsh 7.6.9 (a .NET tool) and
            Pester 5.7.1 (a NuGet package) are installed from NuGet into .tools/ when missing, pinned.
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
$pwshVersion = '7.6.9'
$pesterVersion = '5.7.1'
$tools = Join-Path $PSScriptRoot '.tools'

function Invoke-Native([string] $Command, [string[]] $Arguments) {
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "$Command $($Arguments -join ' ') failed with exit code $LASTEXITCODE"
    }
}

# The pinned pwsh, installed as a .NET tool into .tools/pwsh when it is not there yet.
function Install-PinnedPwsh {
    $folder = Join-Path $tools 'pwsh'
    $pwsh = Join-Path $folder $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
    $installed = if (Test-Path $pwsh) { & $pwsh -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' }
    if ($installed -ne $pwshVersion) {
        Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
        Invoke-Native dotnet @('tool', 'install', 'PowerShell', '--version', $pwshVersion, '--tool-path', $folder)
    }
    return $pwsh
}

# Pester's module folder: the package's tools/, restored by tools/pester (a restore-only project) into .tools/nuget.
function Install-PinnedPester {
    $manifest = Join-Path $tools 'nuget' 'pester' $pesterVersion 'tools' 'Pester.psd1'
    if (-not (Test-Path $manifest)) {
        Invoke-Native dotnet @('restore', 'tools/pester/Pester.Download.csproj', '--packages', (Join-Path $tools 'nuget'), '--nologo', '-v', 'q')
    }
    return $manifest
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
    Invoke-Native node @('tools/ps-grammar/check.mjs', '.')
    Invoke-Native dotnet @('test', 'tests/Unit', '-c', $Configuration, '--no-build', '--nologo')
}

if ('Test' -in $Task -or 'Pester' -in $Task) {
    $pwsh = Install-PinnedPwsh
    $pester = Install-PinnedPester
    $env:PATH = (Split-Path $pwsh) + [IO.Path]::PathSeparator + $env:PATH
    $env:POWERSHELL_TELEMETRY_OPTOUT = '1'
    $env:POWERSHELL_UPDATECHECK = 'Off'
    # A loaded binary module cannot be unloaded: run Pester in a fresh process that imports the built module.
    Invoke-Native $pwsh @('-NoProfile', '-NonInteractive', '-File', 'tests/Pester/Run.ps1', '-PesterManifest', $pester)
}
