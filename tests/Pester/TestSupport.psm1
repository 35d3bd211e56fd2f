# Helpers shared by the Pester files: migration folders, journal checks, failures as objects, and PowerShell sessions
# to drive the module in (a runspace of this process, for streams and Stop(); a child pwsh, for a real host).

$script:repo = (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path
$script:manifest = Join-Path $script:repo 'out' 'SchemaMigrate' 'SchemaMigrate.psd1'
$script:samples = Join-Path $script:repo 'ops' 'migrations'

function Get-ModuleManifestPath { $script:manifest }
function Get-SampleFolder { $script:samples }
function Get-RepoRoot { $script:repo }

# The pwsh running this suite (the pinned one test.sh and build.ps1 put first on PATH), to start child sessions of.
function Get-PwshPath {
    $pwsh = Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1
    return $pwsh.Source
}

# One of the local HTTPS fakes the tests assembly serves (`fake-api`, `fake-azure`), started in its own process with
# $Arguments after the info file it writes when it listens. Returns the process, that file's content (endpoint,
# tokens, certificate) and the certificate written to $Folder for SSL_CERT_FILE. Stop it with Stop-TestFake.
function Start-TestFake {
    param([Parameter(Mandatory)] [string] $Kind, [Parameter(Mandatory)] [string] $Folder, [string[]] $Arguments = @())
    $testsDll = @('Release', 'Debug') | ForEach-Object { Join-Path $script:repo 'tests' 'Unit' 'bin' $_ 'net10.0' 'SchemaMigrate.Tests.dll' } |
        Where-Object { Test-Path $_ } | Select-Object -First 1
    $info = Join-Path $Folder "$Kind.json"
    $start = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($argument in @($testsDll, $Kind, $info) + $Arguments) {
        $start.ArgumentList.Add($argument)
    }
    $start.RedirectStandardInput = $true
    $process = [System.Diagnostics.Process]::Start($start)
    $deadline = (Get-Date).AddMinutes(1)
    while (-not (Test-Path $info) -and -not $process.HasExited -and (Get-Date) -lt $deadline) {
        Start-Sleep -Milliseconds 200
    }
    if (-not (Test-Path $info)) {
        throw "the $Kind fake did not start within a minute (exited: $($process.HasExited))"
    }
    $content = Get-Content $info -Raw | ConvertFrom-Json
    $certificate = Join-Path $Folder "$Kind.pem"
    Set-Content -LiteralPath $certificate -Value $content.certificate
    return [pscustomobject]@{ Process = $process; Info = $content; Certificate = $certificate }
}

# Ends a fake the way it expects (its standard input closes), killing it if it does not exit.
function Stop-TestFake {
    param($Fake)
    if ($Fake -and -not $Fake.Process.HasExited) {
        $Fake.Process.StandardInput.Close()
        if (-not $Fake.Process.WaitForExit(20000)) {
            $Fake.Process.Kill($true)
        }
    }
}

# A copy of the sample migrations in a folder of its own, plus extra files (name = text).
function New-MigrationFolder {
    param([hashtable] $Extra = @{}, [switch] $Empty)
    # Under the run's folder, which Run.ps1 removes at the end.
    $root = if ($env:SCHEMAMIGRATE_PESTER_TEMP) { $env:SCHEMAMIGRATE_PESTER_TEMP } else { [System.IO.Path]::GetTempPath() }
    $folder = Join-Path $root ('sm-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $folder | Out-Null
    if (-not $Empty) {
        Copy-Item -Path (Join-Path $script:samples '*.sql') -Destination $folder
    }
    foreach ($name in $Extra.Keys) {
        Set-Content -LiteralPath (Join-Path $folder $name) -Value $Extra[$name] -NoNewline
    }
    return $folder
}

function Get-JournalId {
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Database)
    if (-not (Test-Table -Server $Server -Database $Database -Table 'schema_migrations')) {
        return @()
    }
    return @(Invoke-TestSql -Server $Server -Database $Database -Sql 'SELECT id FROM schema_migrations ORDER BY id')
}

function Test-Table {
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Database, [Parameter(Mandatory)] [string] $Table)
    return (Invoke-TestSql -Server $Server -Database $Database -Sql "SELECT to_regclass('$Table') IS NOT NULL") -eq 't'
}

# The ErrorRecord a script block ends with; fails the test when it ends without one.
function Get-Failure {
    param([Parameter(Mandatory)] [scriptblock] $Script)
    try {
        & $Script | Out-Null
    }
    catch {
        return $_
    }
    throw 'the command did not fail'
}

# Runs a script in a new runspace of this process with the module imported; returns the PowerShell object after it
# ended (Streams, HadErrors, Runspace for $Error). -StopAfter stops it (what Ctrl+C does) once -StopWhen holds.
function Invoke-InRunspace {
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Variables = @{},
        [scriptblock] $StopWhen,
        [timespan] $Timeout = [timespan]::FromMinutes(2)
    )
    $ps = [powershell]::Create()
    $ps.AddScript("Import-Module '$script:manifest'").AddStatement() | Out-Null
    foreach ($name in $Variables.Keys) {
        $ps.Runspace.SessionStateProxy.SetVariable($name, $Variables[$name])
    }
    $ps.AddScript($Script) | Out-Null
    $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
    $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]$null, $output)
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $stoppedAfter = $null
    while (-not $handle.IsCompleted -and $clock.Elapsed -lt $Timeout) {
        if ($StopWhen -and (& $StopWhen $ps)) {
            $stopClock = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $stoppedAfter = $stopClock.Elapsed
            break
        }
        Start-Sleep -Milliseconds 50
    }
    if (-not $handle.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(30))) {
        $ps.Stop()
        throw "the runspace did not finish within $Timeout"
    }
    $sessionErrors = $ps.Runspace.SessionStateProxy.GetVariable('Error')
    return [pscustomobject]@{
        PowerShell   = $ps
        Output       = @($output)
        Errors       = @($ps.Streams.Error)
        Warnings     = @($ps.Streams.Warning | ForEach-Object Message)
        Progress     = @($ps.Streams.Progress)
        LastError    = $(if ($sessionErrors.Count -gt 0) { $sessionErrors[0] })
        State        = $ps.InvocationStateInfo.State
        StoppedAfter = $stoppedAfter
    }
}

# Runs a script in a child pwsh (-NonInteractive unless -Interactive) with the module imported, at a console width
# of 80 unless told; returns its exit code and what it printed (stdout and stderr, plain text).
function Invoke-Pwsh {
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{}, [switch] $Interactive)
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $Environment[$name])
    }
    try {
        $prelude = "`$PSStyle.OutputRendering = 'PlainText'; `$ProgressPreference = 'SilentlyContinue'; Import-Module '$script:manifest'`n"
        $arguments = @('-NoProfile', '-NoLogo')
        if (-not $Interactive) {
            $arguments += '-NonInteractive'
        }
        $output = & (Get-PwshPath) @arguments -Command ($prelude + $Script) 2>&1 | ForEach-Object { "$_" }
        return [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($output -join "`n") }
    }
    finally {
        foreach ($name in $saved.Keys) {
            [Environment]::SetEnvironmentVariable($name, $saved[$name])
        }
    }
}

Export-ModuleMember -Function '*'
