#Requires -Version 7.4
# The job cmdlets (Start-MigrationJob, Get-MigrationJobExecution, Stop-MigrationJobExecution, Get-MigrationJobLog) in a
# real pwsh: binding and validation without an identity, then (Linux) the real cmdlets in child pwsh sessions against a
# standalone local fake of Azure whose jobs run the built MigrateRunner against a real PostgreSQL.

BeforeDiscovery {
    $script:jobCmdlets = @('Start-MigrationJob', 'Get-MigrationJobExecution', 'Stop-MigrationJobExecution', 'Get-MigrationJobLog')
    # The fake is trusted through SSL_CERT_FILE and hands out tokens through a stand-in az script: OpenSSL and /bin/sh.
    $script:fakeAzure = @(if ($IsLinux) { 'Linux' })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestPostgres.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    $script:server = Start-TestPostgres
}

AfterAll {
    if ($script:server) {
        Stop-TestPostgres -Server $script:server
    }
}

Describe 'The job cmdlets without an Azure identity' {
    BeforeAll {
        # No identity: Azure.Identity's EnvironmentCredential finds no service principal, as on a runner nobody signed in.
        $script:savedAzure = @{}
        foreach ($name in @('AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_USERNAME',
                'AZURE_PASSWORD', 'AZURE_SUBSCRIPTION_ID', 'SCHEMAMIGRATE_AZURE_CREDENTIAL', 'SCHEMAMIGRATE_AZURE_CLOUD')) {
            $script:savedAzure[$name] = [Environment]::GetEnvironmentVariable($name)
            # Remove-Item, not SetEnvironmentVariable($name, $null): pwsh 7.6 leaves an empty variable behind for that.
            Remove-Item "Env:$name" -ErrorAction SilentlyContinue
        }
        $job = @{ ResourceGroupName = 'rg-deploy'; Name = 'migrate'; CredentialSource = 'Environment' }
    }

    AfterAll {
        foreach ($name in $script:savedAzure.Keys) {
            if ($null -ne $script:savedAzure[$name]) {
                Set-Item "Env:$name" $script:savedAzure[$name]
            }
        }
    }

    It '<_> declares what it writes and takes executions by property name' -ForEach $script:jobCmdlets {
        $command = Get-Command $_
        $command.OutputType.Name | Should -Match '^SchemaMigrate\.Cmdlets\.MigrationJob'
        $command.Parameters['ResourceGroupName'].Attributes.Where({ $_ -is [Parameter] }).ValueFromPipelineByPropertyName | Should -Contain $true
        $command.Parameters['Name'].Aliases | Should -Contain 'JobName'
    }

    It 'has the parameter sets <Command> documents' -ForEach @(
        @{ Command = 'Start-MigrationJob'; Sets = @('Start', 'Wait') }
        @{ Command = 'Get-MigrationJobLog'; Sets = @('Follow', 'Once', 'Wait') }
        @{ Command = 'Get-MigrationJobExecution'; Sets = @('__AllParameterSets') }
        @{ Command = 'Stop-MigrationJobExecution'; Sets = @('__AllParameterSets') }
    ) {
        (Get-Command $Command).ParameterSets.Name | Sort-Object | Should -Be $Sets
    }

    It 'refuses an unknown cloud, a malformed duration, -Latest 0 and -Wait with -Follow before calling Azure' {
        { Start-MigrationJob @job -Cloud Mars -WhatIf } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        { Start-MigrationJob @job -Wait -Timeout soon -WhatIf } |
            Should -Throw -ErrorId 'ParameterArgumentTransformationError,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        { Get-MigrationJobExecution @job -Latest 0 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,SchemaMigrate.Cmdlets.GetMigrationJobExecutionCommand'
        { Get-MigrationJobLog @job -ExecutionName 'migrate-k3v9q2a' -Wait -Follow } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,SchemaMigrate.Cmdlets.GetMigrationJobLogCommand'
    }

    It 'reports AZURE_AUTH_FAILED with how to sign in, targeting the job' {
        $failure = Get-Failure { Get-MigrationJobExecution @job -Subscription ([guid]::NewGuid()) }
        $failure.FullyQualifiedErrorId | Should -Be 'AZURE_AUTH_FAILED,SchemaMigrate.Cmdlets.GetMigrationJobExecutionCommand'
        $failure.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $failure.TargetObject | Should -Be 'rg-deploy/migrate'
        $failure.ErrorDetails.Message | Should -Match 'could not get a token for Azure Resource Manager'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'az login'
    }

    It 'takes the credential source from SCHEMAMIGRATE_AZURE_CREDENTIAL, and refuses an unknown one with INVALID_ARGUMENT' {
        $env:SCHEMAMIGRATE_AZURE_CREDENTIAL = 'Environment'
        try {
            { Get-MigrationJobExecution -ResourceGroupName 'rg-deploy' -Name 'migrate' } |
                Should -Throw -ErrorId 'AZURE_AUTH_FAILED,SchemaMigrate.Cmdlets.GetMigrationJobExecutionCommand'
            $env:SCHEMAMIGRATE_AZURE_CREDENTIAL = 'Kerberos'
            $failure = Get-Failure { Get-MigrationJobExecution -ResourceGroupName 'rg-deploy' -Name 'migrate' }
            $failure.FullyQualifiedErrorId | Should -Be 'INVALID_ARGUMENT,SchemaMigrate.Cmdlets.GetMigrationJobExecutionCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.ErrorDetails.RecommendedAction | Should -Not -Match 'MigrateRunner'
        }
        finally {
            Remove-Item Env:SCHEMAMIGRATE_AZURE_CREDENTIAL
        }
    }

    It 'starts nothing under -WhatIf and still writes migration.json when the start fails' {
        { Start-MigrationJob @job -WhatIf } | Should -Throw -ErrorId 'AZURE_AUTH_FAILED,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        $failure = Get-Failure { Start-MigrationJob @job -Wait -ArtifactPath $TestDrive -CommitSha 'abc1234' -Confirm:$false }
        $failure.FullyQualifiedErrorId | Should -Be 'AZURE_AUTH_FAILED,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        $artifact = Get-Content (Join-Path $TestDrive 'abc1234' 'migration.json') -Raw | ConvertFrom-Json
        $artifact.reasonCode | Should -Be 'AZURE_AUTH_FAILED'
        $artifact.status | Should -Be 'failed'
        $artifact.executionSummary | Should -Match '^not started: AZURE_AUTH_FAILED'
    }

    It '<Command> binds ResourceGroupName, JobName and ExecutionName of piped objects' -ForEach @(
        @{ Command = 'Get-MigrationJobLog'; Extra = @{} }
        @{ Command = 'Stop-MigrationJobExecution'; Extra = @{ Confirm = $false } }
        @{ Command = 'Get-MigrationJobExecution'; Extra = @{} }
    ) {
        $piped = [pscustomobject]@{
            Subscription      = [guid]::NewGuid().ToString()
            ResourceGroupName = 'rg-piped'
            JobName           = 'job-piped'
            ExecutionName     = 'job-piped-abc1234'
            Status            = 'Failed'
        }
        $failure = Get-Failure { $piped | & $Command -CredentialSource Environment @Extra }
        $failure.FullyQualifiedErrorId | Should -BeLike 'AZURE_AUTH_FAILED,*'
        $failure.TargetObject | Should -Be 'rg-piped/job-piped/job-piped-abc1234'
    }

    It '<_> does nothing for an empty pipeline' -ForEach @('Get-MigrationJobLog', 'Stop-MigrationJobExecution', 'Get-MigrationJobExecution') {
        @(@() | & $_ -CredentialSource Environment) | Should -HaveCount 0
    }
}

Describe 'The job cmdlets against a local fake of Azure' -ForEach $script:fakeAzure {
    BeforeAll {
        $script:work = New-MigrationFolder -Empty
        $database = New-TestDatabase -Server $script:server
        $connection = Get-TestConnectionString -Server $script:server -Database $database
        $script:fake = Start-TestFake -Kind 'fake-azure' -Folder $script:work -Arguments @((Get-SampleFolder), "migrate=$connection",
            ('migrate-badpass=' + (Get-TestConnectionString -Server $script:server -Database $database -Password 'Wr0ng-password')),
            "migrate-stuck=$connection")
        $fakeInfo = $script:fake.Info
        $certificate = $script:fake.Certificate
        $script:database = $database
        $script:connection = $connection

        # The real cmdlets in a fresh pwsh whose only trusted root is the fake's certificate, with the stand-in az
        # first on PATH and the Azure endpoints pointed at the fake: no test switch in the module is involved.
        $script:childEnvironment = @{
            SSL_CERT_FILE                                 = $certificate
            PATH                                          = (Join-Path $PSScriptRoot 'fake-az') + [IO.Path]::PathSeparator + $env:PATH
            SCHEMAMIGRATE_FAKE_ARM_TOKEN                  = $fakeInfo.armToken
            SCHEMAMIGRATE_FAKE_LOGS_TOKEN                 = $fakeInfo.logsToken
            SCHEMAMIGRATE_AZURE_CREDENTIAL                = 'AzureCli'
            SCHEMAMIGRATE_AZURE_RESOURCE_MANAGER_ENDPOINT = $fakeInfo.endpoint
            SCHEMAMIGRATE_AZURE_LOG_ANALYTICS_ENDPOINT    = $fakeInfo.endpoint
            SCHEMAMIGRATE_TEST_CONN                       = $connection
        }

        # Runs a script in a child pwsh against the fake; the script's last object comes back (through JSON).
        function Invoke-JobSession {
            param([string] $Script, [switch] $Raw)
            $body = "`$ErrorActionPreference = 'Stop'`n" + $Script
            if (-not $Raw) {
                $body += " | ConvertTo-Json -Depth 4 -Compress | ForEach-Object { 'RESULT ' + `$_ }"
            }
            $run = Invoke-Pwsh -Script $body -Environment $script:childEnvironment
            if ($Raw) {
                return $run
            }
            $run.ExitCode | Should -Be 0 -Because $run.Text
            return (($run.Text -split "`n" | Where-Object { $_ -like 'RESULT *' } | Select-Object -Last 1).Substring(7) | ConvertFrom-Json)
        }
    }

    AfterAll {
        Stop-TestFake $script:fake
    }

    It '-WhatIf starts nothing' {
        $result = Invoke-JobSession @'
$before = @(Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate).Count
Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate -WhatIf
[pscustomobject]@{ Started = @(Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate).Count - $before }
'@
        $result.Started | Should -Be 0
    }

    It 'treats an empty AZURE_SUBSCRIPTION_ID as unset, as CI systems set it' {
        $result = Invoke-JobSession @'
$env:AZURE_SUBSCRIPTION_ID = ''
[pscustomobject]@{ Empty = (Test-Path Env:AZURE_SUBSCRIPTION_ID); Count = @(Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate).Count }
'@
        $result.Empty | Should -BeTrue -Because 'the variable must exist, empty, for this test to mean anything'
        $result.Count | Should -BeGreaterOrEqual 0
    }

    It 'refuses to prompt in a non-interactive host: CONFIRMATION_REQUIRED, also in migration.json, and starts nothing' {
        $artifacts = Join-Path $script:work 'confirm'
        $result = Invoke-JobSession @"
`$before = @(Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate).Count
`$failure = `$null
try { Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate -Wait -ArtifactPath '$artifacts' -CommitSha noprompt }
catch { `$failure = `$_ }
`$artifact = Get-Content (Join-Path '$artifacts' 'noprompt' 'migration.json') -Raw | ConvertFrom-Json
[pscustomobject]@{
    ErrorId = `$failure.FullyQualifiedErrorId
    Action = `$failure.ErrorDetails.RecommendedAction
    ArtifactReason = `$artifact.reasonCode
    ArtifactNextStep = `$artifact.nextStep
    Started = @(Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate).Count - `$before
}
"@
        $result.ErrorId | Should -Be 'CONFIRMATION_REQUIRED,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        $result.Action | Should -Match '^Pass -Confirm:\$false'
        $result.ArtifactReason | Should -Be 'CONFIRMATION_REQUIRED'
        $result.ArtifactNextStep | Should -Match 'Confirm:\$false'
        $result.Started | Should -Be 0
    }

    It 'fails a wrong DB_CONN password closed with DB_AUTH_FAILED, the execution as target, its logs and migration.json' {
        $artifacts = Join-Path $script:work 'artifacts'
        $result = Invoke-JobSession @"
`$failure = `$null
try { Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate-badpass -Wait -ArtifactPath '$artifacts' -CommitSha badpass -Confirm:`$false | Out-Null }
catch { `$failure = `$_ }
`$logs = @(`$failure.TargetObject | Get-MigrationJobLog)
`$artifact = Get-Content (Join-Path '$artifacts' 'badpass' 'migration.json') -Raw | ConvertFrom-Json
[pscustomobject]@{
    ErrorId = `$failure.FullyQualifiedErrorId
    Category = "`$(`$failure.CategoryInfo.Category)"
    Message = `$failure.ErrorDetails.Message
    Status = `$failure.TargetObject.Status
    ReasonCode = `$failure.TargetObject.ReasonCode
    Timeline = @(`$failure.TargetObject.StatusTimeline.Status)
    Results = @(`$logs | Where-Object Message -like 'result: failed*' | ForEach-Object Message)
    LogTable = (`$logs | Out-String -Width 80)
    ArtifactReason = `$artifact.reasonCode
    ArtifactExecution = `$artifact.executionName
    Execution = `$failure.TargetObject.ExecutionName
}
"@
        $result.ErrorId | Should -Be 'DB_AUTH_FAILED,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        $result.Category | Should -Be 'AuthenticationError'
        $result.Message | Should -Match "^execution $([regex]::Escape($result.Execution)) Failed: .*28P01"
        $result.Message | Should -Not -Match 'Wr0ng-password'
        $result.Status | Should -Be 'Failed'
        $result.ReasonCode | Should -Be 'DB_AUTH_FAILED'
        $result.Timeline | Should -Contain 'Failed'
        $result.Results | Should -HaveCount 1
        $result.Results[0] | Should -Match 'reasonCode=DB_AUTH_FAILED'
        $result.ArtifactReason | Should -Be 'DB_AUTH_FAILED'
        $result.ArtifactExecution | Should -Be $result.Execution
        $lines = $result.LogTable -split "`r?`n" | Where-Object { $_ }
        $lines[0] | Should -Match '^Time\s+Stream\s+Replica\s+Message$'
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
    }

    It 'names the execution it started in the error under $ErrorActionPreference = Stop, piped to Format-Table' {
        $run = Invoke-JobSession -Raw "Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate-badpass -Wait -Confirm:`$false | Format-Table`n'not reached'"
        $run.ExitCode | Should -Be 1
        $run.Text | Should -Not -Match 'not reached'
        $run.Text | Should -Match 'execution migrate-badpass-\w+ Failed'
    }

    It 'runs the migrations, lists the run newest first, shows its logs and leaves an ended execution alone' {
        $result = Invoke-JobSession @'
$run = Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate -Wait -Confirm:$false
$latest = Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate -Latest 1
$logs = @($latest | Get-MigrationJobLog -Wait -Timeout 2min)
$stopped = $run | Stop-MigrationJobExecution -PassThru -WarningVariable warnings -WarningAction SilentlyContinue
$again = $run | Start-MigrationJob -WhatIf
[pscustomobject]@{
    Status = $run.Status
    Same = $latest.ExecutionName -eq $run.ExecutionName
    Applied = @($logs | Where-Object Message -like 'applied *' | ForEach-Object Message)
    Table80 = ($run | Out-String -Width 80)
    Table200 = ($run | Out-String -Width 200)
    Replicas = @($logs | Where-Object Replica | ForEach-Object Replica | Select-Object -Unique)
    StoppedStatus = $stopped.Status
    Warnings = @($warnings | ForEach-Object { "$_" })
}
'@
        $result.Status | Should -Be 'Succeeded'
        $result.Same | Should -BeTrue
        $result.Applied | Should -HaveCount 3
        $result.Applied[0] | Should -Match '001_core_domain_tables\.sql'
        foreach ($table in $result.Table80, $result.Table200) {
            $lines = $table -split "`r?`n" | Where-Object { $_ }
            $lines[0] | Should -Match '^ExecutionName\s+Status\s+StartTime\s+Duration\s+ReasonCode$'
            $lines[2] | Should -Match '^migrate-\w+\s+Succeeded\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d\d:\d\d:\d\d'
        }
        $result.Table80 -split "`r?`n" | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
        $result.StoppedStatus | Should -Be 'Succeeded'
        $result.Warnings | Should -Match 'already ended Succeeded'
        Invoke-TestSql -Server $script:server -Database $script:database -Sql 'SELECT count(*) FROM schema_migrations' | Should -Be '3'
    }

    It 'shows two replicas of one execution apart at 80 columns' {
        $entries = @(
            [SchemaMigrate.Cmdlets.MigrationJobLogEntry]@{ Time = [datetimeoffset]'2026-11-21T09:23:14Z'; Stream = 'system'; Replica = 'migrate-jj1bo3q-oeyy2'; Message = 'Created pod'; Source = 'ContainerAppSystemLogs_CL' }
            [SchemaMigrate.Cmdlets.MigrationJobLogEntry]@{ Time = [datetimeoffset]'2026-11-21T09:23:20Z'; Stream = 'system'; Replica = 'migrate-jj1bo3q-0us2c'; Message = 'Created pod'; Source = 'ContainerAppSystemLogs_CL' }
        )
        $lines = ($entries | Out-String -Width 80) -split "`r?`n" | Where-Object { $_ }
        $lines[2] | Should -Match '^2026-11-21 09:23:14 system oeyy2\s+Created pod$'
        $lines[3] | Should -Match '^2026-11-21 09:23:20 system 0us2c\s+Created pod$'
    }

    It 'honours Get-MigrationJobLog -Wait -Timeout shorter than the poll interval' {
        $result = Invoke-JobSession @'
$run = Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate-stuck -Confirm:$false
$clock = [System.Diagnostics.Stopwatch]::StartNew()
$null = $run | Get-MigrationJobLog -Wait -Timeout 3s -WarningVariable warnings -WarningAction SilentlyContinue
$seconds = $clock.Elapsed.TotalSeconds
$run | Stop-MigrationJobExecution -Confirm:$false
[pscustomobject]@{ Seconds = $seconds; Warnings = @($warnings | ForEach-Object { "$_" }) }
'@
        $result.Seconds | Should -BeLessThan 14 -Because 'a 3s timeout must not wait out the 15s poll interval (generous: the machine may be loaded)'
        $result.Warnings -join "`n" | Should -Match 'logs may be incomplete: polled for'
    }

    It 'honours Ctrl+C while waiting for a job: $Error[0] is CANCELLED naming the execution that keeps running' {
        $result = Invoke-JobSession @"
`$ps = [powershell]::Create()
`$null = `$ps.AddScript("Import-Module '$(Get-ModuleManifestPath)'; Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate-stuck -Wait -Confirm:```$false")
`$handle = `$ps.BeginInvoke()
`$deadline = (Get-Date).AddSeconds(60)
while (-not @(`$ps.Streams.Progress).Count -and (Get-Date) -lt `$deadline) { Start-Sleep -Milliseconds 100 }
`$clock = [System.Diagnostics.Stopwatch]::StartNew()
`$ps.Stop()
`$seconds = `$clock.Elapsed.TotalSeconds
`$last = `$ps.Runspace.SessionStateProxy.GetVariable('Error')[0]
`$running = @(Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate-stuck -Latest 1)
`$running | Stop-MigrationJobExecution -Confirm:`$false
[pscustomobject]@{
    Seconds = `$seconds
    ErrorId = `$last.FullyQualifiedErrorId
    Message = `$last.ErrorDetails.Message
    Action = `$last.ErrorDetails.RecommendedAction
    Target = "`$(`$last.TargetObject)"
    Execution = `$running[0].ExecutionName
    Status = `$running[0].Status
}
"@
        $result.Seconds | Should -BeLessThan 30
        $result.ErrorId | Should -Be 'CANCELLED,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        $result.Status | Should -Be 'Running'
        $result.Message | Should -Match "stopped waiting for execution $([regex]::Escape($result.Execution)); it keeps running"
        $result.Action | Should -Match 'Stop-MigrationJobExecution'
    }

    It 'raises AZURE_RESOURCE_NOT_FOUND, JOB_ALREADY_RUNNING and JOB_TIMEOUT with their categories and targets' {
        $result = Invoke-JobSession @'
function Get-Record([scriptblock] $Script) { try { & $Script | Out-Null } catch { return $_ } }
$missing = Get-Record { Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name no-such-job }
$timedOut = Get-Record { Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate-stuck -Wait -Timeout 3s -Confirm:$false }
$busy = Get-Record { Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate-stuck -Confirm:$false }
$timedOut.TargetObject | Stop-MigrationJobExecution -Confirm:$false
$records = foreach ($r in $missing, $timedOut, $busy) {
    [pscustomobject]@{ Id = $r.FullyQualifiedErrorId; Category = "$($r.CategoryInfo.Category)"; Target = "$($r.TargetObject)"; Action = $r.ErrorDetails.RecommendedAction }
}
[pscustomobject]@{ Records = @($records); Execution = "$($timedOut.TargetObject.ExecutionName)" }
'@
        $missing, $timedOut, $busy = $result.Records
        $missing.Id | Should -Be 'AZURE_RESOURCE_NOT_FOUND,SchemaMigrate.Cmdlets.GetMigrationJobExecutionCommand'
        $missing.Category | Should -Be 'ObjectNotFound'
        $missing.Target | Should -Be 'rg-deploy/no-such-job'
        $timedOut.Id | Should -Be 'JOB_TIMEOUT,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        $timedOut.Category | Should -Be 'OperationTimeout'
        $timedOut.Target | Should -Be $result.Execution
        $busy.Id | Should -Be 'JOB_ALREADY_RUNNING,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        $busy.Category | Should -Be 'ResourceBusy'
        $busy.Action | Should -Match '-Force starts anyway'
    }

    It 'runs every cmdlet with another Azure.Core already loaded into the default load context' {
        $conflicting = Join-Path (Get-RepoRoot) 'tests' 'AlcProbe' 'bin' 'Release' 'net10.0' 'conflicting' 'Azure.Core.dll'
        $folder = New-MigrationFolder
        $target = New-TestDatabase -Server $script:server
        # The prelude imports the module, so this session loads the other Azure.Core first and imports again after it.
        $result = Invoke-JobSession @"
Remove-Module SchemaMigrate
`$other = [System.Runtime.Loader.AssemblyLoadContext]::Default.LoadFromAssemblyPath('$conflicting')
`$region = `$other.GetType('Azure.Core.AzureLocation').GetProperty('WestEurope').GetValue(`$null).ToString()
Import-Module '$(Get-ModuleManifestPath)'
`$connection = '$(Get-TestConnectionString -Server $script:server -Database $target)'
`$status = @(Get-SchemaMigrationStatus '$folder' -ConnectionString `$connection)
`$tested = @(Test-SchemaMigration '$folder' -AppliedThrough none)
`$new = New-SchemaMigration add_orders -Path '$folder'
Add-Content -LiteralPath `$new.FullName -Value 'CREATE TABLE orders (id bigint PRIMARY KEY);'
`$applied = @(Invoke-SchemaMigration '$folder' -ConnectionString `$connection -Confirm:`$false -PassThru)
`$run = Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate -Wait -Confirm:`$false
`$listed = @(Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate -Latest 1)
`$logs = @(`$run | Get-MigrationJobLog)
`$stop = `$run | Stop-MigrationJobExecution -PassThru -WarningAction SilentlyContinue
`$cores = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Azure.Core' } |
    ForEach-Object { '{0}@{1}' -f `$_.GetName().Version, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name }
[pscustomobject]@{
    Region = `$region; Status = `$status.Count; Tested = `$tested.Count; New = `$new.Name; Applied = `$applied.Count
    Run = `$run.Status; Listed = `$listed.Count; Logs = `$logs.Count; Stop = `$stop.Status; Cores = @(`$cores | Sort-Object)
}
"@
        $result.Region | Should -Be 'westeurope'
        $result.Status | Should -Be 3
        $result.Tested | Should -Be 3
        $result.New | Should -Be '004_add_orders.sql'
        $result.Applied | Should -Be 4
        $result.Run | Should -Be 'Succeeded'
        $result.Listed | Should -Be 1
        $result.Logs | Should -BeGreaterThan 0
        $result.Stop | Should -Be 'Succeeded'
        $result.Cores | Should -HaveCount 2
        $result.Cores | Should -Contain '1.44.1.0@Default'
        $result.Cores | Should -Contain '1.53.0.0@SchemaMigrate'
    }
}
